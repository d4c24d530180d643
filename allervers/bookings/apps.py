from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "allervers.bookings"
    verbose_name = "Rendez-vous et ateliers"

    def ready(self) -> None:
        # The receivers of the planning's signals (a stop cancelled or moved tells the people
        # booked on it); the recorder of the delivery reports of the bookings' SMS
        # (`core.sms_delivery`).
        from allervers.core.sms_delivery import recorder_register

        from . import receivers  # noqa: F401
        from .deliveries import booking_message_delivery_record

        recorder_register(booking_message_delivery_record)
