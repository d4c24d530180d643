"""What the alerts do when the planning changes: a stop cancelled, moved or restored is told at
once to its site's subscribers (`queueing.stop_change_queue`), then sent by the task."""

from django.db import transaction
from django.dispatch import receiver

from allervers.planning.enums import StopEventKind
from allervers.planning.signals import stop_changed

from .queueing import stop_change_queue
from .tasks import send_alerts_after_commit


@receiver(stop_changed, dispatch_uid="alerts_tell_the_subscribers")
def tell_the_subscribers(sender, *, kind, operator_id, stop_id, at, **kwargs) -> None:
    if kind not in (StopEventKind.CANCELLED, StopEventKind.MOVED, StopEventKind.RESTORED):
        return
    with transaction.atomic():
        queued = stop_change_queue(stop_id=stop_id, kind=kind, now=at)
        if queued:
            send_alerts_after_commit(operator_id)
