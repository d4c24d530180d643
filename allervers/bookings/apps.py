from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "allervers.bookings"
    verbose_name = "Rendez-vous et ateliers"

    def ready(self) -> None:
        # The receivers of the planning's signals (a stop cancelled or moved tells the people
        # booked on it).
        from . import receivers  # noqa: F401
