from django.urls import path

from . import views

app_name = "operators"

urlpatterns = [
    path("changer/", views.operator_switch, name="switch"),
    path("reglages/", views.operator_settings, name="settings"),
    path("equipe/", views.member_list, name="member_list"),
    path("equipe/ajouter/", views.member_add, name="member_add"),
    path("equipe/<int:membership_id>/", views.member_edit, name="member_edit"),
    path(
        "equipe/<int:membership_id>/double-authentification/",
        views.member_second_factor_reset,
        name="member_second_factor_reset",
    ),
    path(
        "equipe/<int:membership_id>/invitation/",
        views.member_invitation_resend,
        name="member_invitation_resend",
    ),
]
