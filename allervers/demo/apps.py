from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "allervers.demo"
    verbose_name = "Données de démonstration"
