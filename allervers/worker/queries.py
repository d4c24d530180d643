"""What the « État du service » page and `service_health` read (one query each figure)."""

import datetime
from dataclasses import dataclass, field

from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from allervers.bookings.enums import MessageStatus
from allervers.bookings.models import BookingMessage

from . import recovery

FAILED_SINCE = datetime.timedelta(days=1)
LISTED = 50  # the failed messages listed on the page (the most recent)


@dataclass
class ServiceState:
    waiting: int
    oldest_waiting: datetime.timedelta | None
    workers: set[str]
    stuck: int
    failed_tasks: int
    failed_messages: int
    messages: list = field(default_factory=list)  # the failed messages listed (the operator's)
    tasks: list = field(default_factory=list)  # the failed tasks listed (platform staff only)


def failed_messages(operator=None):
    """The booking messages that failed (the operator's when given), most recent first."""
    messages = BookingMessage.objects.filter(status=MessageStatus.FAILED)
    if operator is not None:
        messages = messages.filter(operator=operator)
    return messages.select_related("operator").order_by("-created_at", "-pk")


def service_state(*, now: datetime.datetime | None = None, operator=None) -> ServiceState:
    """The queue and the workers (shared by every structure: no structure's data), and the
    failed messages: the operator's, or everyone's when `operator` is None (platform staff)."""
    now = now or timezone.now()
    since = now - FAILED_SINCE
    messages = failed_messages(operator)
    state = ServiceState(
        waiting=DBTaskResult.objects.ready().count(),
        oldest_waiting=recovery.oldest_waiting_age(now),
        workers=recovery.live_worker_ids(now),
        stuck=len(recovery.orphaned_tasks(now)),
        failed_tasks=DBTaskResult.objects.filter(
            status=TaskResultStatus.FAILED, finished_at__gte=since
        ).count(),
        failed_messages=messages.filter(created_at__gte=since).count(),
        messages=list(messages[:LISTED]),
    )
    if operator is None:
        state.tasks = list(
            DBTaskResult.objects.failed()
            .order_by("-finished_at")[:LISTED]
            .values("task_path", "finished_at", "exception_class_path")
        )
    return state
