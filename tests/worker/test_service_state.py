"""The « État du service » page and `manage.py service_health` (issue 22 point 5)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.tasks import access_log_purge
from allervers.bookings.enums import MessageStatus
from allervers.bookings.models import BookingMessage
from tests.bookings.factories import AppointmentFactory

from .conftest import interrupted

pytestmark = pytest.mark.django_db


def _health() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("service_health", stdout=out)
    except SystemExit as stop:
        return stop.code, out.getvalue()
    return 0, out.getvalue()


def test_health_is_ok_with_nothing_waiting(db_tasks):
    code, text = _health()
    assert code == 0 and text.startswith("OK")


def test_health_fails_when_the_oldest_task_waited_too_long(db_tasks, clock, settings):
    access_log_purge.enqueue()
    clock.move_to(timezone.now() + datetime.timedelta(minutes=16))
    code, text = _health()
    assert code == 1
    assert "la plus ancienne tâche attend depuis 16 min" in text
    assert "no worker running" in text


def test_health_fails_on_a_task_stuck_by_a_dead_worker(db_tasks):
    interrupted(access_log_purge.enqueue().id)
    code, text = _health()
    assert code == 1 and "1 tâche(s) bloquée(s)" in text


def test_health_says_when_the_database_is_unreachable(settings, monkeypatch):
    from django.db import OperationalError, connection

    def refuse():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "ensure_connection", refuse)
    code, text = _health()
    assert code == 2 and "database unreachable: connection refused" in text


def _failed_message(operator, error: str) -> BookingMessage:
    return BookingMessage.objects.create(
        operator=operator,
        booking_kind="appointment",
        booking_id=AppointmentFactory(operator=operator).pk,
        event="appointment_booked",
        channel="sms",
        status=MessageStatus.FAILED,
        error=error,
    )


def test_the_coordinator_sees_her_structures_failed_messages_only(
    client, coordinator, operator, other_operator, db_tasks
):
    _failed_message(operator, "Numéro refusé par le fournisseur")
    _failed_message(other_operator, "Erreur d'une autre structure")
    access_log_purge.enqueue()
    client.force_login(coordinator)
    response = client.get(reverse("worker:service_state"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Numéro refusé par le fournisseur" in text
    assert "autre structure" not in text
    assert "1 tâche en attente" in text
    assert "<strong>arrêté</strong>" in text


def test_an_agent_may_not_see_it(client, agent):
    client.force_login(agent)
    assert client.get(reverse("worker:service_state")).status_code == 403


def test_platform_staff_see_every_structures_failures_in_the_admin(
    client, django_user_model, operator, other_operator, db_tasks
):
    _failed_message(operator, "Numéro refusé par le fournisseur")
    _failed_message(other_operator, "Adresse refusée par le serveur")
    interrupted(access_log_purge.enqueue().id)
    from allervers.worker.recovery import tasks_recover

    tasks_recover()  # queued again: waiting
    from django_tasks_db.models import DBTaskResult

    from allervers.worker.recovery import WorkerLost

    lost = access_log_purge.enqueue()
    DBTaskResult.objects.get(pk=lost.id).set_failed(WorkerLost("stopped"))
    staff = django_user_model.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    response = client.get(reverse("admin:worker_workerheartbeat_changelist"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Numéro refusé par le fournisseur" in text
    assert "Adresse refusée par le serveur" in text
    assert "1 tâche en attente" in text
    assert "allervers.worker.recovery.WorkerLost" in text
