from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "allervers.reception"
