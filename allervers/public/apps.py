from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PublicConfig(AppConfig):
    name = "allervers.public"
    verbose_name = "Publication"

    def ready(self) -> None:
        from allervers.core.revision import planning_changed
        from allervers.operators.models import Operator

        from .cache import forget_operator
        from .tasks import static_publication_requested

        # Cache bookkeeping only: a saved operator's public answers get new cache keys.
        post_save.connect(forget_operator, sender=Operator, dispatch_uid="public-forget-operator")
        post_delete.connect(
            forget_operator, sender=Operator, dispatch_uid="public-forget-operator-delete"
        )
        # After each committed planning write: the static copy of the schedule (when set).
        planning_changed.connect(
            static_publication_requested, dispatch_uid="public-static-publication"
        )
