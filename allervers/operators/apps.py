from django.apps import AppConfig


class OperatorsConfig(AppConfig):
    name = "allervers.operators"
    verbose_name = "Structures et rôles"
