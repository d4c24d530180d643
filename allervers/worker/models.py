"""The task workers that are running: each one's heartbeat (issue 22 point 5)."""

from django.db import models


class WorkerHeartbeat(models.Model):
    """One running `db_worker` process, refreshed every few seconds by a thread of its own.

    A task left `RUNNING` by a worker whose heartbeat stopped (or whose process is gone, on the
    same machine) was interrupted: `recovery.tasks_recover` runs it again or marks it failed.
    A worker that stops normally deletes its row."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField()

    class Meta:
        verbose_name = "processus de tâches"
        verbose_name_plural = "processus de tâches"
        ordering = ["started_at"]

    def __str__(self) -> str:
        return f"{self.hostname} (pid {self.pid})"
