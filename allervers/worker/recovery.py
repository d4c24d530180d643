"""Tasks that survive a crash (issue 22 point 5).

`db_worker` (this app's, which replaces django-tasks-db's of the same name) keeps a heartbeat
(`WorkerHeartbeat`) and, at start and at each beat, calls `tasks_recover`: a task left `RUNNING`
by a dead worker — its heartbeat older than `ALLERVERS_WORKER_LOST_SECONDS`, missing, or its
process gone on this machine — is put back in the queue when its task can run again without
doing anything twice (`RERUNNABLE`), else, or after `MAX_ATTEMPTS` claims, marked failed with
`WorkerLost`: the « État du service » page and `manage.py service_health` show it.

A booking message (or an alert) claimed by an interrupted task stays `sending` (never sent
twice, maybe never received): past `SENDING_BOUND` it is marked failed, with the reason, for
the team to see.
"""

import datetime
import logging
import os
import socket
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Min
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Tasks that may run again after an interruption: each does nothing twice (a test per task in
# tests/worker/test_idempotent_tasks.py). The others (a batch of e-mails without a record per
# message) are marked failed instead: better told than sent twice.
RERUNNABLE = frozenset(
    {
        "allervers.alerts.tasks.send_alerts",
        "allervers.bookings.tasks.send_booking_messages",
        "allervers.public.tasks.static_publish",
        "allervers.reception.tasks.privacy_sweep_task",
        "allervers.accesslog.tasks.access_log_purge",
    }
)
# A task that killed its worker this many times (memory, a crash in a library) is not tried again.
MAX_ATTEMPTS = 3
# A message still `sending` this long after it was claimed was interrupted.
SENDING_BOUND = datetime.timedelta(minutes=15)
INTERRUPTED = (
    "Envoi interrompu : le processus des tâches s'est arrêté pendant l'envoi ; le message n'a "
    "peut-être pas été reçu."
)


class WorkerLost(Exception):
    """Recorded as the failure of a task whose worker died while running it."""


def lost_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ALLERVERS_WORKER_LOST_SECONDS)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


# The worker id of this process when it is a worker (set by the db_worker command).
current_worker_id = ""


def _process_gone(worker_id: str, hostname: str, pid: int) -> bool:
    """Whether a worker's process is known to be gone: only on this machine (elsewhere, its
    heartbeat tells). A restarted container reuses the pid: when it is ours, it is this
    worker's only if the id is this worker's."""
    if hostname != socket.gethostname():
        return False
    if pid == os.getpid():
        return worker_id != current_worker_id
    return not pid_alive(pid)


def live_worker_ids(now: datetime.datetime) -> set[str]:
    """The workers that are running: a recent heartbeat, and a live process on this machine."""
    recent = WorkerHeartbeat.objects.filter(seen_at__gte=now - lost_after())
    return {
        worker_id
        for worker_id, hostname, pid in recent.values_list("worker_id", "hostname", "pid")
        if not _process_gone(worker_id, hostname, pid)
    }


@dataclass
class Recovery:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    messages_failed: int = 0

    def lines(self) -> list[str]:
        return [
            f"{len(self.requeued)} tâche(s) interrompue(s) relancée(s) / interrupted task(s) "
            f"queued again: {', '.join(self.requeued) or '-'}",
            f"{len(self.failed)} tâche(s) interrompue(s) en échec / interrupted task(s) failed: "
            f"{', '.join(self.failed) or '-'}",
            f"{self.messages_failed} message(s) interrompu(s) / interrupted message(s)",
        ]


def orphaned_tasks(now: datetime.datetime | None = None, alive: set[str] | None = None):
    """The RUNNING tasks whose worker is not running any more."""
    now = now or timezone.now()
    running = DBTaskResult.objects.running()
    alive = live_worker_ids(now) if alive is None else alive
    return [task for task in running if not task.worker_ids or task.worker_ids[-1] not in alive]


def tasks_recover(*, now: datetime.datetime | None = None) -> Recovery:
    """Put back in the queue, or mark failed, every task a dead worker left running; mark
    failed the booking messages left `sending`. Safe to run from several workers at once."""
    from allervers.alerts.sending import interrupted_alerts_fail
    from allervers.bookings.messages import interrupted_messages_fail

    now = now or timezone.now()
    recovery = Recovery()
    alive = live_worker_ids(now)
    # The rows of dead workers go (a live one that was only late writes its row again).
    WorkerHeartbeat.objects.exclude(worker_id__in=alive).delete()
    for task in orphaned_tasks(now, alive):
        with transaction.atomic():
            # The row as it is now, locked: another worker may have recovered it meanwhile.
            current = (
                DBTaskResult.objects.select_for_update()
                .filter(pk=task.pk, status=TaskResultStatus.RUNNING, started_at=task.started_at)
                .first()
            )
            if current is None:
                continue
            name = f"{current.task_path} ({current.pk})"
            if current.task_path in RERUNNABLE and len(current.worker_ids) < MAX_ATTEMPTS:
                DBTaskResult.objects.filter(pk=current.pk).update(
                    status=TaskResultStatus.READY, started_at=None
                )
                recovery.requeued.append(name)
                logger.warning("Task %s interrupted by a dead worker: queued again", name)
            else:
                why = (
                    f"The worker running it stopped ({len(current.worker_ids)} attempt(s)); "
                    "not run again automatically."
                )
                current.set_failed(WorkerLost(why))
                recovery.failed.append(name)
                logger.error("Task %s interrupted by a dead worker: marked failed", name)
    recovery.messages_failed = interrupted_messages_fail(
        before=now - SENDING_BOUND, reason=INTERRUPTED
    ) + interrupted_alerts_fail(before=now - SENDING_BOUND, reason=INTERRUPTED)
    return recovery


def oldest_waiting_age(now: datetime.datetime | None = None) -> datetime.timedelta | None:
    """How long the oldest task ready to run has waited: since it was enqueued, or, when it was
    deferred, since it became due. None when none waits."""
    now = now or timezone.now()
    ready = DBTaskResult.objects.ready()
    undeferred = ready.filter(run_after=get_date_max()).aggregate(due=Min("enqueued_at"))["due"]
    deferred = ready.exclude(run_after=get_date_max()).aggregate(due=Min("run_after"))["due"]
    dues = [due for due in (undeferred, deferred) if due is not None]
    return max(now - min(dues), datetime.timedelta(0)) if dues else None
