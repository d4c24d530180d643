from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "allervers.planning"
