"""`manage.py service_health`: the health of the background work, for monitoring.

Exit status 0 and a line « OK » when all is well; else 1 (2 when the database is unreachable)
and one French / English line per problem: the database unreachable, the oldest waiting task
older than ALLERVERS_TASK_WAIT_ALERT_MINUTES, tasks waiting with no worker running, tasks left
running by a dead worker (stuck until a worker recovers them). Failed tasks and messages of the
last day are counted on an information line (they do not change the status: the « État du
service » page lists them)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connection
from django.utils import timezone

from allervers.worker import queries


class Command(BaseCommand):
    help = "Health of the task queue for monitoring: exit status 1 (2: no database) on a problem."

    def handle(self, *args, **options) -> None:
        try:
            connection.ensure_connection()
            state = queries.service_state(now=timezone.now())
        except DatabaseError as error:
            self.stdout.write(
                "PROBLÈME : base de données injoignable / PROBLEM: database unreachable: "
                f"{str(error).strip()[:300]}"
            )
            raise SystemExit(2) from None
        problems = []
        limit = datetime.timedelta(minutes=settings.ALLERVERS_TASK_WAIT_ALERT_MINUTES)
        if state.oldest_waiting is not None and state.oldest_waiting > limit:
            minutes = int(state.oldest_waiting.total_seconds() // 60)
            problems.append(
                f"la plus ancienne tâche attend depuis {minutes} min / the oldest waiting task "
                f"has waited {minutes} min (limit {settings.ALLERVERS_TASK_WAIT_ALERT_MINUTES})"
            )
        if state.waiting and not state.workers:
            problems.append(
                f"{state.waiting} tâche(s) en attente et aucun processus de tâches actif / "
                f"{state.waiting} task(s) waiting and no worker running"
            )
        if state.stuck:
            problems.append(
                f"{state.stuck} tâche(s) bloquée(s) par un processus arrêté / {state.stuck} "
                "task(s) stuck: left running by a dead worker"
            )
        info = (
            f"{state.waiting} en attente / waiting, {len(state.workers)} processus actif(s) / "
            f"worker(s) alive, {state.failed_tasks} tâche(s) et {state.failed_messages} "
            "message(s) en échec sur 24 h / failed tasks and messages in 24 h"
        )
        if problems:
            for problem in problems:
                self.stdout.write(f"PROBLÈME / PROBLEM: {problem}")
            self.stdout.write(info)
            raise SystemExit(1)
        self.stdout.write(f"OK: {info}")
