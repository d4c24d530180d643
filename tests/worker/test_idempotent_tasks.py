"""Every task that a recovery runs again does nothing twice: each is run by a worker, left as a
dead worker leaves it, recovered and run again (issue 22 point 5)."""

import datetime

import pytest
from django.core import mail
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.tasks import access_log_purge
from allervers.alerts.enums import AlertKind, AlertStatus
from allervers.alerts.models import AlertMessage
from allervers.alerts.queueing import alerts_queue
from allervers.alerts.tasks import send_alerts
from allervers.bookings.enums import MessageStatus
from allervers.bookings.models import BookingMessage
from allervers.bookings.tasks import send_booking_messages
from allervers.public.tasks import static_publish
from allervers.reception.tasks import privacy_sweep_task
from allervers.worker.recovery import RERUNNABLE, tasks_recover
from tests.alerts.factories import SubscriptionFactory
from tests.bookings.factories import AppointmentFactory
from tests.planning.factories import future_stop

from .conftest import interrupted

pytestmark = pytest.mark.django_db


def run_then_again_after_a_crash(db_tasks, result) -> None:
    db_tasks()
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL
    interrupted(result.id)  # as if the worker had died before recording the end
    assert tasks_recover().requeued
    db_tasks("worker-b")
    assert DBTaskResult.objects.get(pk=result.id).status == TaskResultStatus.SUCCESSFUL


def test_every_rerunnable_task_has_its_test_here():
    tested = {
        send_alerts,
        send_booking_messages,
        static_publish,
        privacy_sweep_task,
        access_log_purge,
    }
    assert {f"{task.func.__module__}.{task.func.__name__}" for task in tested} == RERUNNABLE


def test_alerts_are_sent_once(db_tasks, operator, sms_outbox):
    stop = future_stop(operator=operator)
    for _ in range(3):
        SubscriptionFactory(operator=operator, sites=[stop.site])
    now = timezone.now()
    alerts_queue(
        stop=stop,
        kind=AlertKind.DAY_BEFORE,
        not_before=now,
        not_after=now + datetime.timedelta(days=1),
        now=now,
    )
    result = send_alerts.enqueue(operator.pk)
    run_then_again_after_a_crash(db_tasks, result)
    assert len(sms_outbox()) == 3
    assert set(AlertMessage.objects.values_list("status", flat=True)) == {AlertStatus.SENT}


def test_booking_messages_are_sent_once(db_tasks, operator, sms_outbox):
    appointment = AppointmentFactory(
        operator=operator, email="r@example.org", phone="0612345678", contact_consent=True
    )
    mail.outbox.clear()
    result = send_booking_messages.enqueue("appointment", appointment.pk, "appointment_booked")
    run_then_again_after_a_crash(db_tasks, result)
    assert len(mail.outbox) == 1
    assert len(sms_outbox()) == 1
    statuses = BookingMessage.objects.filter(booking_id=appointment.pk).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == [MessageStatus.SENT, MessageStatus.SENT]


def test_the_static_publication_writes_the_same_files(db_tasks, operator, settings, tmp_path):
    settings.ALLERVERS_STATIC_PUBLICATION_DIR = str(tmp_path)
    result = static_publish.enqueue(operator.pk)
    db_tasks()
    first = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    assert first
    interrupted(result.id)
    tasks_recover()
    db_tasks("worker-b")
    again = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    assert again == first


def _old_access_log_entry(operator) -> None:
    AccessLogEntry.objects.create(
        operator=operator, at=timezone.now() - datetime.timedelta(days=800), action="person_viewed"
    )


def test_the_privacy_sweep_changes_nothing_the_second_time(db_tasks, operator):
    _old_access_log_entry(operator)
    result = privacy_sweep_task.enqueue()
    db_tasks()
    first = DBTaskResult.objects.get(pk=result.id).return_value
    interrupted(result.id)
    tasks_recover()
    db_tasks("worker-b")
    second = DBTaskResult.objects.get(pk=result.id).return_value
    assert first != second  # the first removed the old entry; the second had nothing to do
    old = timezone.now() - datetime.timedelta(days=700)
    assert not AccessLogEntry.objects.filter(at__lt=old).exists()


def test_the_access_log_purge_removes_nothing_the_second_time(db_tasks, operator):
    _old_access_log_entry(operator)
    result = access_log_purge.enqueue()
    db_tasks()
    assert DBTaskResult.objects.get(pk=result.id).return_value == 1
    interrupted(result.id)
    tasks_recover()
    db_tasks("worker-b")
    assert DBTaskResult.objects.get(pk=result.id).return_value == 0
