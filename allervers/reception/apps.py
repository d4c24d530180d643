from django.apps import AppConfig
from django.db.models.signals import post_save


def seed_topics_of_new_operator(sender, instance, created: bool, raw: bool = False, **kwargs):
    """A new structure starts with the default request themes, which its coordinator then
    edits, orders and archives (whether made in the admin, by a command or by the demo)."""
    if created and not raw:
        from .services.topics import topics_seed_defaults

        topics_seed_defaults(operator=instance)


class ReceptionConfig(AppConfig):
    name = "allervers.reception"

    def ready(self) -> None:
        from allervers.operators.models import Operator

        post_save.connect(
            seed_topics_of_new_operator, sender=Operator, dispatch_uid="reception-seed-topics"
        )
