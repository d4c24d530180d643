"""Back-office pages of bookings, under /accueil/: appointments (/accueil/rendez-vous/…) and
workshops (/accueil/ateliers/…). The residents' pages are in the public app."""

from django.urls import path

from . import topic_views

app_name = "bookings"

urlpatterns: list = [
    path(
        "rendez-vous/thematiques/",
        topic_views.topic_partners,
        name="topic_partners",
    ),
]
