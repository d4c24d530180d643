"""`stop_changed`: what the bookings app will hear when a stop is cancelled, moved or restored —
once per change, after the commit, never for a change that rolled back."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.planning import services, signals
from allervers.planning.enums import CancelReason, StopEventKind, StopStatus
from allervers.planning.models import Stop
from allervers.planning.signals import stop_changed
from tests.planning.factories import SiteFactory, StaffAssignmentFactory, future_stop

pytestmark = pytest.mark.django_db

CHANGES = {
    StopEventKind.CANCELLED: lambda stop, by: services.stop_cancel(
        stop=stop, reason=CancelReason.WEATHER, by=by
    ),
    StopEventKind.MOVED: lambda stop, by: services.stop_move(
        stop=stop,
        site=SiteFactory(operator=stop.operator, name="Salle des fêtes"),
        date=stop.date + datetime.timedelta(days=1),
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        by=by,
    ),
    StopEventKind.RESTORED: lambda stop, by: services.stop_restore(stop=stop, by=by),
}


@pytest.fixture
def stop(operator, agent):
    stop = future_stop(operator=operator, site__name="Place du Regain")
    StaffAssignmentFactory(operator=operator, stop=stop, user=agent)
    return stop


def _ready_for(kind: StopEventKind, stop: Stop) -> Stop:
    if kind == StopEventKind.RESTORED:
        stop.status, stop.cancel_reason = StopStatus.CANCELLED, CancelReason.BREAKDOWN
        stop.save()
    return stop


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_change_sends_one_signal_after_the_commit(
    kind, stop, coordinator, listener, django_capture_on_commit_callbacks
):
    slot = stop.slot_label
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[kind](_ready_for(kind, stop), coordinator)
        assert listener.changes == [], "not before the commit"
    [change] = listener.changes
    assert (change.sender, change.kind, change.operator_id, change.stop_id) == (
        Stop,
        kind,
        stop.operator_id,
        stop.pk,
    )
    assert change.previous == slot and "Place du Regain" in change.previous
    assert timezone.now() - change.at < datetime.timedelta(minutes=1)
    assert len(mail.outbox) == 1  # the agent on duty, as before


@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_change_that_rolls_back_sends_nothing(
    kind, stop, coordinator, listener, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        CHANGES[kind](_ready_for(kind, stop), coordinator)
        raise RuntimeError("the request failed after the service")
    assert listener.changes == [] and mail.outbox == []


def test_a_refused_change_sends_nothing(
    stop, coordinator, listener, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.stop_restore(stop=stop, by=coordinator)  # not cancelled
    assert listener.changes == []


def test_a_failing_receiver_neither_undoes_the_change_nor_silences_the_others(
    stop, coordinator, listener, django_capture_on_commit_callbacks
):
    def broken(sender, **kwargs):
        raise RuntimeError("a listener's bug")

    stop_changed.disconnect(listener)  # the broken receiver first, the others after it
    stop_changed.connect(broken)
    stop_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    finally:
        stop_changed.disconnect(broken)
    assert Stop.objects.get(pk=stop.pk).status == StopStatus.CANCELLED
    assert [change.kind for change in listener.changes] == [StopEventKind.CANCELLED]
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_change_calls_the_stop_change_hooks_inside_its_transaction(
    kind, stop, coordinator, listener, monkeypatch, django_capture_on_commit_callbacks
):
    """The hooks another app registers (bookings) run before the commit, with the saved stop
    and its history line; a hook that raises undoes the change and nothing is told."""
    heard = []

    def hook(*, stop, event):
        saved = Stop.objects.get(pk=stop.pk)
        told = len(listener.changes)  # 0: before the commit
        heard.append((saved.version, event.kind, event.stop_id, told))

    monkeypatch.setattr(signals, "stop_change_hooks", [hook])
    with django_capture_on_commit_callbacks(execute=True):
        CHANGES[kind](_ready_for(kind, stop), coordinator)
        assert heard == [(stop.version, kind, stop.pk, 0)], "with the stop saved, before"
    assert len(listener.changes) == 1

    def broken(*, stop, event):
        raise RuntimeError("another app's rows could not follow")

    listener.changes.clear()
    mail.outbox.clear()
    stop = Stop.objects.get(pk=stop.pk)
    before = (stop.status, stop.date, stop.start_time, stop.version, stop.events.count())
    again = {
        StopEventKind.CANCELLED: StopEventKind.RESTORED,
        StopEventKind.RESTORED: StopEventKind.CANCELLED,
        StopEventKind.MOVED: StopEventKind.MOVED,
    }[kind]
    monkeypatch.setattr(signals, "stop_change_hooks", [broken])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        CHANGES[again](stop, coordinator)
    stop = Stop.objects.get(pk=stop.pk)
    assert (stop.status, stop.date, stop.start_time, stop.version, stop.events.count()) == before
    assert listener.changes == [] and mail.outbox == []
