from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "allervers.public"
    verbose_name = "Publication"
