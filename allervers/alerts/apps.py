from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "allervers.alerts"
    verbose_name = "Prévenez-moi (alertes par SMS)"

    def ready(self) -> None:
        # The receiver of the planning's stop changes (a cancellation or a move told at once).
        from . import receivers  # noqa: F401
