"""Back-office pages of bookings, under /accueil/: appointments (/accueil/rendez-vous/…) and
workshops (/accueil/ateliers/…). The residents' pages are in the public app."""

from .appointment_urls import appointment_patterns

app_name = "bookings"

urlpatterns: list = [*appointment_patterns]
