from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "allervers.alerts"
    verbose_name = "Prévenez-moi (alertes par SMS)"

    def ready(self) -> None:
        from allervers.core.sms_delivery import recorder_register

        # The receiver of the planning's stop changes (a cancellation or a move told at once).
        from . import receivers  # noqa: F401
        from .sending import alert_delivery_record

        # The provider's delivery reports of the alerts (`core.sms_delivery`, the webhook).
        recorder_register(alert_delivery_record)
