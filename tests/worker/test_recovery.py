"""A task left RUNNING by a dead worker is run again (when it does nothing twice) or marked
failed; a live worker's task is left alone (issue 22 point 5)."""

import datetime
import os
import socket

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from allervers.accesslog.tasks import access_log_purge
from allervers.bookings.enums import MessageStatus
from allervers.bookings.models import BookingMessage
from allervers.operators.tasks import member_welcome_email
from allervers.worker import recovery
from allervers.worker.models import WorkerHeartbeat
from allervers.worker.recovery import MAX_ATTEMPTS, RERUNNABLE, tasks_recover
from tests.bookings.factories import AppointmentFactory

from .conftest import interrupted

pytestmark = pytest.mark.django_db


def _beat(worker_id: str, *, pid: int, hostname: str | None = None, seconds_ago: float = 0):
    seen = timezone.now() - datetime.timedelta(seconds=seconds_ago)
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=hostname or socket.gethostname(),
        pid=pid,
        started_at=seen,
        seen_at=seen,
    )


def test_a_rerunnable_task_of_a_dead_worker_is_queued_again(db_tasks):
    result = access_log_purge.enqueue()
    interrupted(result.id)
    recovered = tasks_recover()
    assert recovered.requeued and not recovered.failed
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == TaskResultStatus.READY and task.started_at is None
    db_tasks()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


def test_a_batch_of_emails_is_marked_failed_not_sent_again(db_tasks, operator, coordinator):
    membership = coordinator.memberships.get()
    result = member_welcome_email.enqueue(membership.pk, True, coordinator.pk)
    interrupted(result.id)
    recovered = tasks_recover()
    assert recovered.failed and not recovered.requeued
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == TaskResultStatus.FAILED
    assert task.exception_class_path == "allervers.worker.recovery.WorkerLost"
    assert "member_welcome_email" not in RERUNNABLE


def test_a_task_that_killed_its_worker_too_often_is_not_tried_again(db_tasks):
    result = access_log_purge.enqueue()
    for attempt in range(MAX_ATTEMPTS):
        interrupted(result.id, worker_id=f"dead-{attempt}")
        tasks_recover()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.FAILED


def test_a_live_workers_task_is_left_running(db_tasks):
    result = access_log_purge.enqueue()
    _beat("alive", pid=os.getppid())  # a live process of this machine, seen just now
    DBTaskResult.objects.get(pk=result.id).claim("alive")
    assert tasks_recover().requeued == []
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.RUNNING


def test_a_silent_heartbeat_means_a_dead_worker_even_on_another_machine(db_tasks, settings):
    result = access_log_purge.enqueue()
    lost = settings.ALLERVERS_WORKER_LOST_SECONDS
    _beat("far-recent", pid=1, hostname="autre-serveur")
    _beat("far-silent", pid=1, hostname="autre-serveur", seconds_ago=lost + 1)
    assert recovery.live_worker_ids(timezone.now()) == {"far-recent"}
    DBTaskResult.objects.get(pk=result.id).claim("far-silent")
    assert tasks_recover().requeued


def test_a_process_gone_on_this_machine_is_dead_at_once(db_tasks):
    """A restarted worker recovers at once what the killed one left (its heartbeat is recent)."""
    result = access_log_purge.enqueue()
    gone = 2**22 + 12345  # above Linux's pid_max: no such process
    _beat("killed", pid=gone)
    DBTaskResult.objects.get(pk=result.id).claim("killed")
    assert tasks_recover().requeued


def test_our_own_pid_under_another_worker_id_is_a_previous_worker(db_tasks, monkeypatch):
    """A container restarted gives the new worker the old one's pid (often 1)."""
    monkeypatch.setattr(recovery, "current_worker_id", "new")
    _beat("new", pid=os.getpid())
    _beat("old", pid=os.getpid())
    assert recovery.live_worker_ids(timezone.now()) == {"new"}


def test_a_message_left_sending_is_marked_failed_with_the_reason(clock, operator):
    appointment = AppointmentFactory(operator=operator)
    message = BookingMessage.objects.create(
        operator=operator,
        booking_kind="appointment",
        booking_id=appointment.pk,
        event="appointment_booked",
        channel="sms",
        status=MessageStatus.SENDING,
        claimed_at=timezone.now(),
    )
    assert tasks_recover().messages_failed == 0  # maybe still being sent
    clock.move_to(timezone.now() + recovery.SENDING_BOUND + datetime.timedelta(seconds=1))
    assert tasks_recover().messages_failed == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED
    assert message.error.startswith("Envoi interrompu")


def test_the_oldest_waiting_task_counts_from_when_it_became_due(db_tasks, clock):
    assert recovery.oldest_waiting_age() is None
    access_log_purge.enqueue()
    later = timezone.now() + datetime.timedelta(minutes=30)
    access_log_purge.using(run_after=later).enqueue()
    clock.move_to(timezone.now() + datetime.timedelta(minutes=10))
    age = recovery.oldest_waiting_age()
    assert datetime.timedelta(minutes=10) <= age < datetime.timedelta(minutes=10, seconds=5)


def test_db_worker_is_the_one_with_a_heartbeat():
    """Every documented way of starting the worker runs this app's command, never the library's
    alone (its running tasks would look orphaned to the others)."""
    from django.core.management import get_commands

    assert get_commands()["db_worker"] == "allervers.worker"


def test_the_heartbeats_of_dead_workers_are_removed(db_tasks):
    _beat("alive", pid=os.getppid())
    _beat("killed", pid=2**22 + 12345)
    tasks_recover()
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]
