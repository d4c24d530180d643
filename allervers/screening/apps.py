from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "allervers.screening"
    verbose_name = "Repérage des droits (non-recours)"
