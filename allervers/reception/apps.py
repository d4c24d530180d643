from django.apps import AppConfig


class ReceptionConfig(AppConfig):
    name = "allervers.reception"

    def ready(self) -> None:
        from allervers.operators.seeding import operator_seeder_register

        from .services.topics import topics_seed_defaults

        # A new structure starts with the default request themes (operators.operator_create).
        operator_seeder_register(topics_seed_defaults)
