from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "allervers.reporting"
    verbose_name = "bilans"
