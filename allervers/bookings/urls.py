"""Back-office pages of bookings, under /accueil/: appointments (/accueil/rendez-vous/…) and
workshops (/accueil/ateliers/…). The residents' pages are in the public app."""

from django.urls import path

from . import topic_views, workshop_views
from .appointment_urls import appointment_patterns

app_name = "bookings"

urlpatterns: list = [
    *appointment_patterns,
    path("ateliers/", workshop_views.workshop_list, name="workshop_list"),
    path("ateliers/nouveau/", workshop_views.workshop_create, name="workshop_create"),
    path("ateliers/<int:workshop_id>/", workshop_views.workshop_detail, name="workshop_detail"),
    path(
        "ateliers/<int:workshop_id>/modifier/", workshop_views.workshop_edit, name="workshop_edit"
    ),
    path(
        "ateliers/<int:workshop_id>/annuler/",
        workshop_views.workshop_cancel,
        name="workshop_cancel",
    ),
    path(
        "ateliers/<int:workshop_id>/inscrire/",
        workshop_views.registration_create,
        name="registration_create",
    ),
    path(
        "ateliers/inscriptions/<int:registration_id>/annuler/",
        workshop_views.registration_cancel,
        name="registration_cancel",
    ),
    path(
        "ateliers/inscriptions/<int:registration_id>/presence/",
        workshop_views.registration_attendance,
        name="registration_attendance",
    ),
    path(
        "rendez-vous/thematiques/",
        topic_views.topic_partners,
        name="topic_partners",
    ),
]
