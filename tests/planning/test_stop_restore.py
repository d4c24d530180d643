"""Restoring a cancelled stop, and the history every change of a stop leaves on its page."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from allervers.core.revision import planning_revision
from allervers.core.roles import Role
from allervers.planning import services
from allervers.planning.enums import CancelReason, StopEventKind, StopStatus
from allervers.planning.models import Stop, StopEvent
from tests.html import text_of
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SiteFactory,
    StaffAssignmentFactory,
    StopFactory,
    future_stop,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled_stop(operator, agent, coordinator):
    """A future stop with a partner and an agent, cancelled through the service."""
    stop = future_stop(operator=operator, site__name="Place du Regain")
    partner = PartnerFactory(
        operator=operator, name="Mission locale", notice_emails="ml@example.org"
    )
    MembershipFactory(
        operator=operator, role=Role.PARTNER, partner=partner, user__email="conseil@ml.example.org"
    )
    PartnerPresenceFactory(stop=stop, operator=operator, partner=partner)
    StaffAssignmentFactory(stop=stop, operator=operator, user=agent)
    services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, note="Tempête", by=coordinator)
    mail.outbox.clear()
    return Stop.objects.get(pk=stop.pk)


def still_cancelled(stop: Stop) -> bool:
    stop = Stop.objects.get(pk=stop.pk)
    return stop.status == StopStatus.CANCELLED and stop.cancel_reason == CancelReason.WEATHER


# Service -------------------------------------------------------------------------------------


def test_restoring_holds_the_stop_keeps_the_cancellation_in_history_and_tells_everyone(
    cancelled_stop, coordinator, agent, listener, django_capture_on_commit_callbacks
):
    revision = planning_revision(cancelled_stop.operator_id)
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_restore(stop=cancelled_stop, by=coordinator)
    stop = Stop.objects.get(pk=cancelled_stop.pk)
    assert stop.status == StopStatus.HELD
    assert (stop.cancel_reason, stop.cancel_note, stop.cancelled_at, stop.cancelled_by) == (
        "",
        "",
        None,
        None,
    )
    assert stop.presences.count() == 1 and stop.staff_assignments.count() == 1
    history = [(e.kind, e.by, e.cancel_reason, e.note) for e in stop.events.all()]
    assert history == [
        (StopEventKind.CANCELLED, coordinator, CancelReason.WEATHER, "Tempête"),
        (StopEventKind.RESTORED, coordinator, "", ""),
    ]
    recipients = sorted(message.to[0] for message in mail.outbox)
    assert recipients == sorted(["ml@example.org", "conseil@ml.example.org", agent.email])
    assert mail.outbox[0].subject.startswith("Permanence rétablie : ")
    assert "est rétablie : elle aura bien lieu" in mail.outbox[0].body
    assert "Place du Regain" in mail.outbox[0].body
    assert [(c.stop_id, c.kind) for c in listener.changes] == [(stop.pk, StopEventKind.RESTORED)]
    assert "Place du Regain" in listener.changes[0].previous
    assert planning_revision(stop.operator_id) != revision


def test_a_restored_stop_can_be_cancelled_again_and_every_step_stays_in_history(
    cancelled_stop, coordinator
):
    services.stop_restore(stop=cancelled_stop, by=coordinator)
    services.stop_cancel(stop=cancelled_stop, reason=CancelReason.BREAKDOWN, by=coordinator)
    kinds = list(cancelled_stop.events.values_list("kind", flat=True))
    assert kinds == [StopEventKind.CANCELLED, StopEventKind.RESTORED, StopEventKind.CANCELLED]


def test_a_held_stop_is_not_restored(operator, coordinator, listener):
    stop = future_stop(operator=operator)
    with pytest.raises(ValidationError, match="n'est pas annulée"):
        services.stop_restore(stop=stop, by=coordinator)
    assert not StopEvent.objects.exists() and not listener.changes


def test_a_past_stop_is_not_restored(operator, coordinator, listener):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=1))
    services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    listener.changes.clear()
    with pytest.raises(ValidationError, match="passée : elle ne peut plus être rétablie"):
        services.stop_restore(stop=stop, by=coordinator)
    assert still_cancelled(stop) and not listener.changes
    assert list(stop.events.values_list("kind", flat=True)) == [StopEventKind.CANCELLED]


def test_a_stop_is_not_restored_onto_another_stop_of_the_vehicle(cancelled_stop, coordinator):
    """Cancelled on Monday morning, the bus was sent elsewhere at those hours meanwhile."""
    other = services.stop_create_one_off(
        operator=cancelled_stop.operator,
        vehicle=cancelled_stop.vehicle,
        site=SiteFactory(operator=cancelled_stop.operator, name="Salle des fêtes"),
        date=cancelled_stop.date,
        start_time=datetime.time(11),
        end_time=datetime.time(13),
    )
    with pytest.raises(ValidationError) as refused:
        services.stop_restore(stop=cancelled_stop, by=coordinator)
    assert "deux endroits à la fois" in refused.value.messages[0]
    assert "Salle des fêtes" in refused.value.messages[0]
    assert still_cancelled(cancelled_stop) and mail.outbox == []
    assert not cancelled_stop.events.filter(kind=StopEventKind.RESTORED).exists()
    assert Stop.objects.get(pk=other.pk).status == StopStatus.HELD


def test_the_database_refuses_a_raced_restoration_with_the_same_french_message(
    cancelled_stop, coordinator, monkeypatch
):
    """Two coordinators at once: both pass the form check, the trigger refuses the overlap."""
    StopFactory(
        operator=cancelled_stop.operator,
        vehicle=cancelled_stop.vehicle,
        date=cancelled_stop.date,
        start_time=cancelled_stop.start_time,
        end_time=cancelled_stop.end_time,
    )
    monkeypatch.setattr(services, "_check_slot", lambda **kwargs: None)
    with pytest.raises(ValidationError, match="deux endroits à la fois"):
        services.stop_restore(stop=cancelled_stop, by=coordinator)
    assert still_cancelled(cancelled_stop)
    assert not cancelled_stop.events.filter(kind=StopEventKind.RESTORED).exists()


def test_a_stop_on_an_archived_site_is_restored_only_once_the_site_is_back(
    cancelled_stop, coordinator
):
    services.site_archive(site=cancelled_stop.site)
    with pytest.raises(ValidationError, match="remettez-le en service"):
        services.stop_restore(stop=cancelled_stop, by=coordinator)
    assert still_cancelled(cancelled_stop)
    services.site_archive(site=cancelled_stop.site, archived=False)
    services.stop_restore(stop=cancelled_stop, by=coordinator)
    assert Stop.objects.get(pk=cancelled_stop.pk).status == StopStatus.HELD


def test_a_cancellation_written_without_history_is_kept_when_the_stop_is_restored(
    operator, coordinator
):
    """The demo (and data older than the history) cancel stops by writing the fields."""
    stop = future_stop(
        operator=operator,
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.STAFF_ABSENCE,
        cancel_note="Formation",
        cancelled_by=coordinator,
        cancelled_at=timezone.now() - datetime.timedelta(days=2),
    )
    services.stop_restore(stop=stop, by=coordinator)
    cancelled, restored = stop.events.all()
    assert (cancelled.kind, cancelled.cancel_reason, cancelled.note, cancelled.by) == (
        StopEventKind.CANCELLED,
        CancelReason.STAFF_ABSENCE,
        "Formation",
        coordinator,
    )
    assert cancelled.at < restored.at


def test_moving_a_stop_leaves_a_line_in_its_history(operator, coordinator):
    stop = future_stop(operator=operator, site__name="Place du Regain")
    services.stop_move(
        stop=stop,
        site=stop.site,
        date=stop.date,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        by=coordinator,
    )
    (event,) = stop.events.all()
    assert event.kind == StopEventKind.MOVED and event.by == coordinator
    assert "09:00" in event.previous and "Place du Regain" in event.previous


def test_the_migration_turns_recorded_cancellations_and_moves_into_history(operator, coordinator):
    cancelled = future_stop(
        operator=operator,
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
        cancelled_by=coordinator,
        cancelled_at=timezone.now(),
    )
    moved = future_stop(
        operator=operator,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        moved_at=timezone.now(),
        moved_from="01/07/2026 de 09:00 à 12:00, Place du Regain",
    )
    future_stop(operator=operator, start_time=datetime.time(18), end_time=datetime.time(20))
    migration = importlib.import_module("allervers.planning.migrations.0004_stop_event")
    migration.backfill_events(apps, None)
    assert [(e.stop_id, e.kind) for e in StopEvent.objects.order_by("kind")] == [
        (cancelled.pk, StopEventKind.CANCELLED),
        (moved.pk, StopEventKind.MOVED),
    ]
    assert StopEvent.objects.get(stop=moved).previous.endswith("Place du Regain")


# Screens -------------------------------------------------------------------------------------


def restore_url(stop: Stop) -> str:
    return reverse("planning:stop_restore", kwargs={"stop_id": stop.pk})


def detail_url(stop: Stop) -> str:
    return reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})


def test_the_coordinator_restores_a_stop_from_its_page(
    client, cancelled_stop, coordinator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    page = text_of(client.get(detail_url(cancelled_stop)))
    assert "Rétablir la permanence" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(restore_url(cancelled_stop), follow=True)
    assert response.redirect_chain[-1][0] == detail_url(cancelled_stop)
    page = text_of(response)
    assert "La permanence est rétablie" in page and "Maintenue" in page
    assert "Rétablir la permanence" not in page and "Annuler la permanence" in page
    history = page.split("Historique")[1]
    name = coordinator.get_full_name()
    assert "Annulée le" in history and f"par {name} : Météo — Tempête" in history
    assert "Rétablie le" in history
    assert len(mail.outbox) == 3
    home = text_of(client.get(reverse("home")))
    assert "Permanences rétablies récemment" in home
    assert "Permanences annulées récemment" not in home


def test_a_get_asks_before_restoring(client, cancelled_stop, coordinator):
    client.force_login(coordinator)
    response = client.get(restore_url(cancelled_stop))
    assert response.status_code == 200
    assert "Rétablir la permanence du" in text_of(response)
    assert still_cancelled(cancelled_stop)


def test_restoring_a_held_stop_is_refused_in_french(client, operator, coordinator):
    stop = future_stop(operator=operator)
    client.force_login(coordinator)
    response = client.post(restore_url(stop))
    assert response.status_code == 400
    assert "n'est pas annulée : il n'y a rien à rétablir" in text_of(response)
    page = text_of(client.get(restore_url(stop), follow=True))
    assert "il n'y a rien à rétablir" in page and not StopEvent.objects.exists()


def test_restoring_a_past_stop_is_refused_and_not_offered(client, operator, coordinator):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=2))
    services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    client.force_login(coordinator)
    page = text_of(client.get(detail_url(stop)))
    assert "Rétablir la permanence" not in page and "ne peut plus être rétablie" in page
    response = client.post(restore_url(stop))
    assert response.status_code == 400 and "Cette permanence est passée" in text_of(response)
    assert still_cancelled(stop)


def test_restoring_onto_another_stop_is_refused_and_names_it(client, cancelled_stop, coordinator):
    StopFactory(
        operator=cancelled_stop.operator,
        vehicle=cancelled_stop.vehicle,
        site__name="Salle des fêtes",
        date=cancelled_stop.date,
        start_time=datetime.time(10),
        end_time=datetime.time(11),
    )
    client.force_login(coordinator)
    response = client.post(restore_url(cancelled_stop))
    assert response.status_code == 400
    page = text_of(response)
    assert "deux endroits à la fois" in page and "Salle des fêtes" in page
    assert still_cancelled(cancelled_stop) and mail.outbox == []


def test_another_operators_stop_is_not_found(client, other_operator, make_member, coordinator):
    foreign = future_stop(operator=other_operator)
    services.stop_cancel(stop=foreign, reason=CancelReason.WEATHER, by=None)
    client.force_login(coordinator)
    assert client.post(restore_url(foreign)).status_code == 404
    assert client.get(restore_url(foreign)).status_code == 404
    assert still_cancelled(foreign)


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTNER, Role.VIEWER])
def test_only_the_coordinator_restores(client, cancelled_stop, make_member, role):
    client.force_login(make_member(cancelled_stop.operator, role))
    assert client.post(restore_url(cancelled_stop)).status_code == 403
    assert still_cancelled(cancelled_stop)
    if role != Role.VIEWER:
        page = text_of(client.get(detail_url(cancelled_stop)))
        assert "Rétablir la permanence" not in page and "Historique" in page


def test_a_partner_sees_the_history_without_names(client, cancelled_stop, coordinator):
    services.stop_restore(stop=cancelled_stop, by=coordinator)
    partner_user = MembershipFactory(
        operator=cancelled_stop.operator,
        role=Role.PARTNER,
        partner=cancelled_stop.presences.get().partner,
    ).user
    client.force_login(partner_user)
    history = text_of(client.get(detail_url(cancelled_stop))).split("Historique")[1]
    assert "Annulée le" in history and "Météo — Tempête" in history and "Rétablie le" in history
    assert coordinator.get_full_name() not in history
