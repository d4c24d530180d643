"""Two coordinators changing one stop at once: the changes are applied one after the other, a
cancellation is never undone by a move that started before it, a form shown before another
change is refused, and the people concerned hear the final state once.

On PostgreSQL the races run in threads (tests/concurrency.py); on SQLite the same tests run the
two changes one after the other, the second built from the objects loaded before the first."""

import datetime
import os

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.core.versions import MISSING_VERSION_MESSAGE
from allervers.planning import services
from allervers.planning.enums import CancelReason, StopEventKind
from allervers.planning.models import PartnerPresence, StaffAssignment, Stop, StopEvent
from tests.concurrency import at_once, one_holding_the_other
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SiteFactory,
    StaffAssignmentFactory,
    future_stop,
)
from tests.planning.stop_races import cancel_later, move_later, stop_as_shown

pytestmark = pytest.mark.django_db(transaction=True)

# Attempts of each order of the move/cancel race; CI's PostgreSQL job runs it again with 20
# (`.ci/run`).
REPEATS = int(os.environ.get("ALLERVERS_RACE_REPEAT", "10"))
ORDERS = ["cancel_holds_first", "move_holds_first", "at_once"]


@pytest.fixture
def alice(operator, make_member):
    return make_member(operator, Role.COORDINATOR, first_name="Alice", last_name="Martin")


@pytest.fixture
def bruno(operator, make_member):
    return make_member(operator, Role.COORDINATOR, first_name="Bruno", last_name="Petit")


@pytest.mark.parametrize("order", ORDERS)
def test_a_move_racing_a_cancel_always_ends_cancelled_and_tells_once(
    order, operator, alice, bruno, agent, listener
):
    new_site = SiteFactory(operator=operator, name="Salle des fêtes")
    for attempt in range(REPEATS):
        stop = future_stop(
            operator=operator, date=timezone.localdate() + datetime.timedelta(days=7 + attempt)
        )
        StaffAssignmentFactory(operator=operator, stop=stop, user=agent)
        slot = (stop.site_id, stop.start_time, stop.end_time)
        mail.outbox.clear()
        listener.changes.clear()
        move, cancel = (
            move_later(stop_as_shown(stop), new_site, alice),
            cancel_later(stop_as_shown(stop), bruno),
        )
        if order == "cancel_holds_first":
            cancelled, moved = one_holding_the_other(cancel, move)
        elif order == "move_holds_first":
            moved, cancelled = one_holding_the_other(move, cancel)
        elif attempt % 2:
            moved, cancelled = at_once(move, cancel)
        else:
            cancelled, moved = at_once(cancel, move)

        stop.refresh_from_db()
        assert stop.is_cancelled, (order, attempt)
        assert not cancelled.refused, cancelled.error
        # The listeners hear each change after its own commit, from its own thread: two racing
        # changes can be heard in either order. The events, written in the stop's row lock,
        # keep the order the changes were applied in.
        kinds = sorted(change.kind for change in listener.changes if change.stop_id == stop.pk)
        events = list(
            StopEvent.objects.filter(stop=stop).order_by("pk").values_list("kind", flat=True)
        )
        assert events.count(StopEventKind.CANCELLED) == 1
        if moved.refused:  # the cancellation went first: the move saw it, and saved nothing
            assert moved.error.messages == [services.MOVE_CANCELLED_MESSAGE]
            assert (stop.site_id, stop.start_time, stop.end_time) == slot
            assert kinds == [StopEventKind.CANCELLED]
            assert events == [StopEventKind.CANCELLED]
            assert stop.version == 1 and stop.changed_by == bruno
        else:  # the move went first, then the cancellation of the moved stop
            assert (stop.site_id, stop.start_time) == (new_site.pk, datetime.time(14))
            assert kinds == sorted([StopEventKind.MOVED, StopEventKind.CANCELLED])
            assert events == [StopEventKind.MOVED, StopEventKind.CANCELLED]
            assert stop.version == 2 and stop.changed_by == bruno
        assert order != "cancel_holds_first" or moved.refused
        assert order != "move_holds_first" or not moved.refused
        # One message to the agent per change told (the e-mails, too, leave from each change's
        # own thread after its commit, in either order).
        assert len(mail.outbox) == len(kinds)
        assert sum("annul" in message.subject.lower() for message in mail.outbox) == 1


def test_two_cancellations_at_once_cancel_once(operator, alice, bruno, agent, listener):
    stop = future_stop(operator=operator)
    StaffAssignmentFactory(operator=operator, stop=stop, user=agent)
    first, second = at_once(
        cancel_later(stop_as_shown(stop), alice), cancel_later(stop_as_shown(stop), bruno)
    )
    assert [first.refused, second.refused].count(True) == 1
    refusal = first.error or second.error
    assert refusal.messages == [services.ALREADY_CANCELLED_MESSAGE]
    assert [change.kind for change in listener.changes] == [StopEventKind.CANCELLED]
    assert len(mail.outbox) == 1


def test_a_presence_declared_while_the_stop_is_cancelled_is_refused(operator, bruno, listener):
    stop = future_stop(operator=operator)
    partner = PartnerFactory(operator=operator)
    acting = bruno.memberships.get(operator=operator)
    on_page = stop_as_shown(stop)
    cancelled, declared = one_holding_the_other(
        cancel_later(stop_as_shown(stop), bruno),
        lambda: services.presence_declare(stop=on_page, partner=partner, acting=acting),
    )
    assert not cancelled.refused and declared.refused
    assert declared.error.messages == [services.CANCELLED_STOP_MESSAGE]
    assert not PartnerPresence.objects.exists()


def test_a_presence_or_an_agent_withdrawn_twice_at_once_is_withdrawn_once(operator, bruno):
    stop = future_stop(operator=operator)
    presence = PartnerPresenceFactory(operator=operator, stop=stop)
    assignment = StaffAssignmentFactory(operator=operator, stop=stop)
    acting = bruno.memberships.get(operator=operator)
    outcomes = at_once(
        lambda: services.presence_withdraw(presence=presence, acting=acting),
        lambda: services.presence_withdraw(presence=presence, acting=acting),
    )
    assert [o.refused for o in outcomes].count(True) == 1
    assert next(o.error for o in outcomes if o.refused).messages == [services.PRESENCE_GONE_MESSAGE]
    outcomes = at_once(
        lambda: services.staff_unassign(assignment=assignment),
        lambda: services.staff_unassign(assignment=assignment),
    )
    assert [o.refused for o in outcomes].count(True) == 1
    assert next(o.error for o in outcomes if o.refused).messages == [
        services.ASSIGNMENT_GONE_MESSAGE
    ]
    assert not PartnerPresence.objects.exists() and not StaffAssignment.objects.exists()


def _move_data(stop: Stop, **extra) -> dict:
    return {
        "site": stop.site_id,
        "date": stop.date.isoformat(),
        "start_time": "14:00",
        "end_time": "17:00",
        **extra,
    }


def test_a_move_from_a_page_shown_before_another_change_is_refused(client, operator, alice, bruno):
    stop = future_stop(operator=operator)
    url = reverse("planning:stop_move", kwargs={"stop_id": stop.pk})
    client.force_login(alice)
    page = client.get(url).content.decode()
    assert 'name="version" value="0"' in page
    # Bruno changes the title meanwhile.
    services.stop_move(
        stop=stop_as_shown(stop),
        site=stop.site,
        date=stop.date,
        start_time=stop.start_time,
        end_time=stop.end_time,
        title="Soirée",
        by=bruno,
        version=0,
    )
    response = client.post(url, _move_data(stop, version=0))
    assert response.status_code == 400
    assert (
        "Modifiée entre-temps par Bruno Petit — rechargez la page pour voir la dernière "
        "version." in text_of(response)
    )
    stop.refresh_from_db()
    assert stop.start_time != datetime.time(14) and stop.title == "Soirée"
    assert stop.version == 1 and stop.changed_by == bruno
    # Reloaded, the page shows the new version, and the move goes through.
    assert 'name="version" value="1"' in client.get(url).content.decode()
    response = client.post(url, _move_data(stop, version=1, title="Soirée"))
    assert response.status_code == 302
    stop.refresh_from_db()
    assert stop.start_time == datetime.time(14) and stop.version == 2


@pytest.mark.parametrize("version", [None, "", "abc", "-1"])
def test_a_move_without_a_valid_version_is_refused(client, operator, alice, version):
    stop = future_stop(operator=operator)
    data = _move_data(stop)
    if version is not None:
        data["version"] = version
    client.force_login(alice)
    response = client.post(reverse("planning:stop_move", kwargs={"stop_id": stop.pk}), data)
    assert response.status_code == 400
    assert MISSING_VERSION_MESSAGE in text_of(response)
    stop.refresh_from_db()
    assert stop.start_time != datetime.time(14) and stop.version == 0


def test_a_move_of_a_stop_cancelled_after_the_page_was_shown_is_refused(operator, alice, bruno):
    """The sequential form of the race, on every database: the move's page was loaded, then the
    stop was cancelled; the move, built from the page's copy, is refused."""
    stop = future_stop(operator=operator)
    on_page = stop_as_shown(stop)
    services.stop_cancel(stop=stop_as_shown(stop), reason=CancelReason.BREAKDOWN, by=bruno)
    with pytest.raises(ValidationError) as refusal:
        move_later(on_page, stop.site, alice)()
    assert refusal.value.messages == [services.MOVE_CANCELLED_MESSAGE]
    stop.refresh_from_db()
    assert stop.is_cancelled and stop.start_time != datetime.time(14)
