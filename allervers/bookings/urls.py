"""Back-office pages of bookings, under /accueil/: appointments (/accueil/rendez-vous/…) and
workshops (/accueil/ateliers/…). The residents' pages are in the public app."""

from django.urls import path  # noqa: F401

app_name = "bookings"

urlpatterns: list = []
