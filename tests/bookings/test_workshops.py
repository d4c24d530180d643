"""Workshops: created on a held future stop within its hours, seats defaulting to the
cyber@atelier's, changed and cancelled (everyone told), attendance after the start; every write
refreshes the public copies."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from allervers.bookings import notify
from allervers.bookings.enums import Attendance, BookingSource, RegistrationStatus
from allervers.bookings.services import attendance, contacts, workshops
from allervers.core.revision import planning_revision
from allervers.planning.enums import DEFAULT_CYBER_CAPACITY, CancelReason, SpaceKind, StopStatus
from tests.bookings.factories import RegistrationFactory, WorkshopFactory
from tests.planning.factories import SpaceFactory, StopFactory, future_stop
from tests.reception.factories import TopicFactory

pytestmark = pytest.mark.django_db

NINE, TEN, ELEVEN, NOON = (datetime.time(h) for h in (9, 10, 11, 12))


@pytest.fixture
def sent(monkeypatch):
    """The events notify sends after commit, as (event, kind, pk)."""
    events = []
    monkeypatch.setattr(notify, "_send", lambda *args: events.append(args))
    return events


@pytest.fixture
def stop(operator):
    return future_stop(operator=operator, start_time=NINE, end_time=NOON)


def create(stop, **fields):
    fields = {"title": "Atelier CV", "start_time": NINE, "end_time": ELEVEN, **fields}
    return workshops.workshop_create(stop=stop, **fields)


def contact(n: int) -> contacts.Contact:
    return contacts.Contact(first_name=f"Nadia{n}", phone=f"06 12 34 56 {n:02d}")


def test_capacity_defaults_to_the_cyber_ateliers_places(stop):
    assert create(stop).capacity == DEFAULT_CYBER_CAPACITY
    SpaceFactory(operator=stop.operator, vehicle=stop.vehicle, kind=SpaceKind.CYBER, capacity=6)
    workshop = create(stop, title="  Creative   lab ", topic=TopicFactory(operator=stop.operator))
    assert (workshop.capacity, workshop.title) == (6, "Creative lab")
    assert create(stop, capacity=3).capacity == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"start_time": datetime.time(8)}, "start_time"),
        ({"end_time": datetime.time(13)}, "start_time"),
        ({"start_time": ELEVEN, "end_time": TEN}, "start_time"),
    ],
)
def test_a_workshop_that_does_not_fit_is_refused(stop, fields, field):
    with pytest.raises(ValidationError) as error:
        create(stop, **fields)
    assert field in error.value.error_dict
    assert not stop.workshops.exists()


def test_a_cancelled_or_past_stop_takes_no_workshop(operator, stop):
    stop.status, stop.cancel_reason = StopStatus.CANCELLED, CancelReason.BREAKDOWN
    stop.save()
    with pytest.raises(ValidationError, match="annulée"):
        create(stop)
    yesterday = StopFactory(operator=operator, date=datetime.date(2026, 6, 9))
    with pytest.raises(ValidationError, match="passé"):
        create(yesterday)
    # Today at 10:00: a workshop from 9:00 has begun, one from 11:00 may still be planned.
    today = StopFactory(operator=operator, date=datetime.date(2026, 6, 10))
    with pytest.raises(ValidationError, match="passé"):
        create(today)
    assert create(today, start_time=ELEVEN, end_time=NOON).pk


def test_another_operators_theme_is_refused(stop, other_operator):
    with pytest.raises(ValidationError) as error:
        create(stop, topic=TopicFactory(operator=other_operator))
    assert "topic" in error.value.error_dict


def test_change_refuses_fewer_seats_than_registered_and_more_seats_promote(stop, sent):
    workshop = create(stop, capacity=2)
    _first, _second, third = (
        workshops.registration_create(workshop=workshop, contact=contact(n)) for n in (1, 2, 3)
    )
    assert third.status == RegistrationStatus.WAITING
    fields = {"title": "Atelier CV", "start_time": NINE, "end_time": ELEVEN}
    with pytest.raises(ValidationError, match="2 personnes sont déjà inscrites"):
        workshops.workshop_change(workshop=workshop, capacity=1, **fields)
    promoted = workshops.workshop_change(workshop=workshop, capacity=3, **fields)
    assert [r.pk for r in promoted] == [third.pk]
    third.refresh_from_db()
    assert third.status == RegistrationStatus.REGISTERED and third.promoted_at is not None


def test_cancelling_tells_everyone_registered_or_waiting(
    stop, sent, django_capture_on_commit_callbacks
):
    workshop = create(stop, capacity=1)
    workshops.registration_create(workshop=workshop, contact=contact(1))
    workshops.registration_create(workshop=workshop, contact=contact(2))
    gone = RegistrationFactory(workshop=workshop, status=RegistrationStatus.CANCELLED)
    sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        told = workshops.workshop_cancel(workshop=workshop)
    assert len(told) == 2
    assert sorted(pk for event, _, pk in sent if event == "registration_cancelled") == sorted(
        r.pk for r in told
    )
    assert gone.pk not in {pk for _, _, pk in sent}
    before = workshop.updated_at
    workshop.refresh_from_db()
    assert workshop.is_cancelled and workshop.updated_at > before
    assert not workshop.registrations.exclude(status=RegistrationStatus.CANCELLED).exists()
    with pytest.raises(ValidationError, match="annulé"):
        workshops.workshop_cancel(workshop=workshop)
    with pytest.raises(ValidationError, match="annulé"):
        workshops.registration_create(workshop=workshop, contact=contact(3))


def test_a_started_workshop_is_neither_changed_nor_cancelled(operator, clock):
    workshop = WorkshopFactory(stop=future_stop(operator=operator, date=datetime.date(2026, 6, 10)))
    with pytest.raises(ValidationError, match="commencé"):
        workshops.workshop_cancel(workshop=workshop)


def test_attendance_is_recorded_after_the_start_for_registered_people_only(stop, clock):
    workshop = create(stop, capacity=1)
    seat = workshops.registration_create(
        workshop=workshop, contact=contact(1), source=BookingSource.AGENT
    )
    waiting = workshops.registration_create(workshop=workshop, contact=contact(2))
    with pytest.raises(ValidationError, match="commencé"):
        attendance.registration_attendance_record(registration=seat, attendance=Attendance.PRESENT)
    seat.refresh_from_db()
    assert seat.attendance == ""
    clock.move_to(datetime.datetime.combine(stop.date, TEN, tzinfo=datetime.UTC))
    attendance.registration_attendance_record(registration=seat, attendance=Attendance.PRESENT)
    seat.refresh_from_db()
    assert seat.attendance == Attendance.PRESENT
    with pytest.raises(ValidationError, match="inscrites"):
        attendance.registration_attendance_record(registration=waiting, attendance="present")
    with pytest.raises(ValidationError):
        attendance.registration_attendance_record(registration=seat, attendance="maybe")


def test_workshop_and_seat_writes_give_the_planning_a_new_revision(
    stop, django_capture_on_commit_callbacks
):
    revisions = [planning_revision(stop.operator_id)]

    def step(write):
        with django_capture_on_commit_callbacks(execute=True):
            result = write()
        revisions.append(planning_revision(stop.operator_id))
        return result

    workshop = step(lambda: create(stop))
    registration = step(
        lambda: workshops.registration_create(workshop=workshop, contact=contact(1))
    )
    step(lambda: workshops.registration_cancel(registration))
    fields = {"title": "Atelier", "start_time": NINE, "end_time": ELEVEN, "capacity": 4}
    step(lambda: workshops.workshop_change(workshop=workshop, **fields))
    step(lambda: workshops.workshop_cancel(workshop=workshop))
    assert len(set(revisions)) == len(revisions)
