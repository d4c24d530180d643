"""Background work of the alerts: send what is due (arguments are keys)."""

from django.tasks import task

from . import sending


@task()
def send_alerts(operator_id: int | None = None) -> dict[str, int]:
    """Every due alert, each at most once (`sending.py`). `operator_id` is the structure whose
    change asked for it (kept in the task's row); the one sender sends every structure's."""
    return sending.alert_messages_send()


def send_alerts_after_commit(operator_id: int | None) -> None:
    from django.db import transaction

    transaction.on_commit(lambda: send_alerts.enqueue(operator_id), robust=True)
