"""django-tasks-db's `db_worker`, with a heartbeat and the recovery of interrupted tasks.

It replaces the command of the same name (this app comes before `django_tasks_db` in
INSTALLED_APPS), so that every documented way of starting the worker keeps a heartbeat: a
worker without one would see its own running tasks taken for orphans. Besides running tasks as
the original does, a thread of its own refreshes the worker's `WorkerHeartbeat` row every
`ALLERVERS_WORKER_HEARTBEAT_SECONDS` and recovers the tasks of dead workers
(`recovery.tasks_recover`), at start and at each beat; the row goes when the worker stops.
"""

import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands import db_worker

from allervers.worker import recovery
from allervers.worker.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


def default_worker_id() -> str:
    """Host, pid and a random part: unique, and says where the worker ran (64 characters)."""
    return f"{socket.gethostname()[:40]}-{os.getpid()}-{get_random_string(12)}"[-64:]


class Heartbeat:
    def __init__(self, worker_id: str, interval: float):
        self.worker_id = worker_id
        self.interval = interval
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="worker-heartbeat", daemon=True)

    def beat(self) -> None:
        now = timezone.now()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={"hostname": socket.gethostname(), "pid": os.getpid(), "seen_at": now},
            create_defaults={
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "seen_at": now,
                "started_at": now,
            },
        )
        done = recovery.tasks_recover(now=now)
        if done.requeued or done.failed or done.messages_failed:
            for line in done.lines():
                logger.warning(line)

    def start(self) -> None:
        recovery.current_worker_id = self.worker_id
        self.beat()  # before the first task: what a previous worker left is recovered first
        connection.close()
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                close_old_connections()
                self.beat()
            except DatabaseError:  # a locked SQLite file, a restarting server: next beat
                logger.exception("Worker heartbeat failed; trying again")
            finally:
                connection.close()

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=self.interval + 5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.exception("Could not remove the worker's heartbeat")


class Command(db_worker.Command):
    help = "Run the database task worker, with a heartbeat and the recovery of interrupted tasks"

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        for action in parser._actions:
            if action.dest == "worker_id":
                action.default = default_worker_id()

    def handle(self, *args, **options) -> None:
        heartbeat = Heartbeat(options["worker_id"], settings.ALLERVERS_WORKER_HEARTBEAT_SECONDS)
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
