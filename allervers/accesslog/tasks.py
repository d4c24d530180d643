"""Background work of the access log: removing the entries past their retention period.

`manage.py privacy_sweep` (run daily) calls `services.purge()` directly; this task is the same
purge for a deployment that schedules it through the tasks worker instead."""

from django.tasks import task

from . import services


@task()
def access_log_purge() -> int:
    """Remove the entries older than `ALLERVERS_ACCESS_LOG_MONTHS` months (all structures)."""
    return services.purge()
