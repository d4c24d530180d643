import pytest
from django_tasks_db.management.commands import db_worker as worker_command
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from allervers.worker.models import WorkerHeartbeat


@pytest.fixture
def db_tasks(settings, monkeypatch):
    """The production task backend (tasks queued as rows), and a worker running them.

    The worker closes the database connections it finds obsolete between tasks: inside a test's
    transaction that is the test's own connection on PostgreSQL (an in-memory SQLite one is
    never closed), so that step is left out here; the production journey runs the real one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(worker_command, "close_old_connections", lambda: None)

    def run(worker_id: str = "worker-a") -> None:
        Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        ).run()

    return run


def interrupted(result_id, worker_id: str = "dead-worker") -> DBTaskResult:
    """Leave the task as a worker that died while running it does: RUNNING, its heartbeat old."""
    task = DBTaskResult.objects.get(pk=result_id)
    task.claim(worker_id)
    WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    return task
