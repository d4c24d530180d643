"""Background work of the public app: the static publication of a structure's schedule."""

import datetime

from django.conf import settings
from django.core.cache import cache
from django.tasks import default_task_backend, task
from django.utils import timezone

from allervers.operators.models import Operator

from .static_publication import DEBOUNCE_SECONDS, publish


def _pending_key(operator_id: int) -> str:
    return f"static-publication-pending:{operator_id}"


@task()
def static_publish(operator_id: int) -> int:
    """Publish the operator's files to `ALLERVERS_STATIC_PUBLICATION_DIR`; how many."""
    # Forgotten first: a change committed while this runs enqueues the next run.
    cache.delete(_pending_key(operator_id))
    directory = settings.ALLERVERS_STATIC_PUBLICATION_DIR
    operator = Operator.objects.filter(pk=operator_id).first()
    if not directory or operator is None:
        return 0
    return len(publish(operator, directory))


def static_publication_requested(sender, *, operator_id: int, **kwargs) -> None:
    """After a committed planning write (`planning_changed`): publish the operator's files,
    once for all the writes of the next `DEBOUNCE_SECONDS` (one pending run per operator, kept
    in the shared cache). Off when `ALLERVERS_STATIC_PUBLICATION_DIR` is not set."""
    if not settings.ALLERVERS_STATIC_PUBLICATION_DIR:
        return
    if not cache.add(_pending_key(operator_id), True, timeout=DEBOUNCE_SECONDS * 6):
        return  # a run is already pending: it will read this change too
    if default_task_backend.supports_defer:
        later = timezone.now() + datetime.timedelta(seconds=DEBOUNCE_SECONDS)
        static_publish.using(run_after=later).enqueue(operator_id)
    else:  # the immediate backend (tests, development)
        static_publish.enqueue(operator_id)
