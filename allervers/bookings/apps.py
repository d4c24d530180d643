from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "allervers.bookings"
    verbose_name = "Rendez-vous et ateliers"

    def ready(self) -> None:
        from allervers.core.sms_delivery import recorder_register
        from allervers.planning.signals import stop_change_hook_register

        from . import receivers  # noqa: F401  (the rota's partners open their appointments)
        from .deliveries import booking_message_delivery_record
        from .services.stop_changes import stop_bookings_follow

        # A stop cancelled or moved: its bookings follow, inside the planning's transaction.
        stop_change_hook_register(stop_bookings_follow)
        # The recorder of the delivery reports of the bookings' SMS (`core.sms_delivery`).
        recorder_register(booking_message_delivery_record)
