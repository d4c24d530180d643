from django.apps import AppConfig


class BackupsConfig(AppConfig):
    name = "allervers.backups"
    verbose_name = "Sauvegardes"
