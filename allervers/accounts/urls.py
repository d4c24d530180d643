from django.contrib.auth import views as auth_views
from django.urls import path

from . import forms, views
from .middleware import second_factor_not_required

app_name = "accounts"

urlpatterns = [
    path(
        "connexion/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html",
            authentication_form=forms.LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("deconnexion/", second_factor_not_required(views.LogoutView.as_view()), name="logout"),
    path("verification/", views.second_factor_verify, name="second_factor_verify"),
    path(
        "double-authentification/activer/",
        views.second_factor_enrol,
        name="second_factor_enrol",
    ),
    path("codes-de-secours/", views.backup_codes, name="backup_codes"),
    path("securite/", views.security, name="security"),
    path(
        "mot-de-passe/oubli/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
