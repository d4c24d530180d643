from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("visites/<int:visit_id>/", views.screening_create, name="create"),
    path("<int:screening_id>/", views.screening_detail, name="detail"),
    path("<int:screening_id>/vos-droits/", views.estimated_rights, name="estimated_rights"),
    path(
        "<int:screening_id>/vos-droits.pdf", views.estimated_rights_pdf, name="estimated_rights_pdf"
    ),
    path(
        "<int:screening_id>/vos-droits/envoyer/",
        views.estimated_rights_send,
        name="estimated_rights_send",
    ),
    path(
        "liens/<int:link_id>/retirer/",
        views.estimated_rights_link_revoke,
        name="estimated_rights_link_revoke",
    ),
    path("<int:screening_id>/relancer/", views.screening_rerun, name="rerun"),
    path("droits/<int:right_id>/orienter/", views.right_refer, name="right_refer"),
    path("droits/<int:right_id>/issue/", views.right_outcome, name="right_outcome"),
    path("reglages/", views.setup, name="setup"),
]
