from django.urls import path

from . import views

app_name = "planning"

urlpatterns = [
    path("", views.month, name="month"),
    path("page-publique/", views.public_page_visit, name="public_page_visit"),
    path("semaine/", views.week, name="week"),
    path("a-venir/", views.upcoming, name="upcoming"),
    path("couverture/", views.coverage, name="coverage"),
    path("equipe/", views.staff_rota, name="staff_rota"),
    path("permanences/nouvelle/", views.stop_create, name="stop_create"),
    path("permanences/<int:stop_id>/", views.stop_detail, name="stop_detail"),
    path("permanences/<int:stop_id>/deplacer/", views.stop_move, name="stop_move"),
    path("permanences/<int:stop_id>/annuler/", views.stop_cancel, name="stop_cancel"),
    path("permanences/<int:stop_id>/retablir/", views.stop_restore, name="stop_restore"),
    path("permanences/<int:stop_id>/partenaires/", views.presence_add, name="presence_add"),
    path("permanences/<int:stop_id>/agents/", views.staff_add, name="staff_add"),
    path(
        "presences/<int:presence_id>/retirer/",
        views.presence_withdraw,
        name="presence_withdraw",
    ),
    path("agents/<int:assignment_id>/retirer/", views.staff_remove, name="staff_remove"),
    path("lieux/", views.site_list, name="site_list"),
    path("lieux/nouveau/", views.site_create, name="site_create"),
    path("lieux/<int:site_id>/", views.site_detail, name="site_detail"),
    path("lieux/<int:site_id>/modifier/", views.site_edit, name="site_edit"),
    path("lieux/<int:site_id>/archiver/", views.site_archive, name="site_archive"),
    path("rythmes/", views.pattern_list, name="pattern_list"),
    path("rythmes/nouveau/", views.pattern_create, name="pattern_create"),
    path("rythmes/copier/", views.patterns_copy, name="patterns_copy"),
    path("rythmes/<int:pattern_id>/", views.pattern_detail, name="pattern_detail"),
    path("rythmes/<int:pattern_id>/modifier/", views.pattern_edit, name="pattern_edit"),
    path("rythmes/<int:pattern_id>/generer/", views.pattern_generate, name="pattern_generate"),
    path("rythmes/<int:pattern_id>/supprimer/", views.pattern_delete, name="pattern_delete"),
    path(
        "rythmes/<int:pattern_id>/equipe/partenaire/",
        views.rota_partner_add,
        name="rota_partner_add",
    ),
    path("rythmes/<int:pattern_id>/equipe/agent/", views.rota_agent_add, name="rota_agent_add"),
    path("rythmes/<int:pattern_id>/equipe/appliquer/", views.rota_apply, name="rota_apply"),
    path("rythmes/<int:pattern_id>/equipe/declarer/", views.rota_declare, name="rota_declare"),
    path("equipe-rythme/<int:line_id>/modifier/", views.rota_line_edit, name="rota_line_edit"),
    path(
        "equipe-rythme/<int:line_id>/accepter/", views.rota_line_approve, name="rota_line_approve"
    ),
    path("equipe-rythme/<int:line_id>/retirer/", views.rota_line_remove, name="rota_line_remove"),
]
