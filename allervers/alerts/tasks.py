"""Background work of the alerts: send what is due (arguments are keys)."""

from django.tasks import task

from . import sending


@task()
def send_alerts(operator_id: int | None = None) -> dict[str, int]:
    """Every due alert of one structure (or all), each at most once (`sending.py`)."""
    return sending.alert_messages_send(operator_id=operator_id)


def send_alerts_after_commit(operator_id: int | None) -> None:
    from django.db import transaction

    transaction.on_commit(lambda: send_alerts.enqueue(operator_id), robust=True)
