"""Fifty people after the last place at once: exactly one booking each time. Ten workers on the
same message: it is sent once.

On PostgreSQL each attempt runs in its own thread and connection (tests/concurrency.py); on
SQLite they run one after the other (the database serialises writers), which checks the counting
but not the lock."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from allervers.bookings.enums import AppointmentStatus, BookingSource, RegistrationStatus
from allervers.bookings.messages import booking_messages_send
from allervers.bookings.models import Appointment, Registration
from allervers.bookings.services import appointments, contacts, workshops
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    WorkshopFactory,
)
from tests.concurrency import all_at_once, at_once, one_holding_the_other
from tests.planning.factories import PartnerPresenceFactory, SiteFactory, future_stop
from tests.planning.stop_races import cancel_later, move_later, stop_as_shown

pytestmark = pytest.mark.django_db(transaction=True)

ATTEMPTS = 50


def _contact(n: int) -> contacts.Contact:
    return contacts.Contact(first_name=f"P{n}", phone=f"06 12 34 {n // 100:02d} {n % 100:02d}")


def _check(outcomes, booked: int) -> None:
    refused = [outcome.error for outcome in outcomes if outcome.refused]
    assert all(isinstance(error, ValidationError) for error in refused), refused
    assert len(outcomes) - len(refused) == booked


def test_fifty_at_the_last_place_of_a_slot(operator):
    opening = AppointmentOpeningFactory(stop=future_stop(operator=operator), desks=1)
    # Another partner's appointment at 09:00 leaves the office with its other places.
    nine = datetime.time(9)
    outcomes = all_at_once(
        [
            (
                lambda n=n: appointments.appointment_book(
                    opening=opening, start_time=nine, contact=_contact(n)
                )
            )
            for n in range(ATTEMPTS)
        ]
    )
    _check(outcomes, booked=1)
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 1


def test_fifty_at_the_last_office_place_across_partners(operator):
    stop = future_stop(operator=operator)
    openings = [
        AppointmentOpeningFactory(stop=stop, partner=PartnerPresenceFactory(stop=stop).partner)
        for _ in range(5)
    ]
    nine = datetime.time(9)
    # The office has 4 places (no office recorded): three are taken, one is left.
    for n, opening in enumerate(openings[:3]):
        appointments.appointment_book(opening=opening, start_time=nine, contact=_contact(900 + n))
    outcomes = all_at_once(
        [
            (
                lambda n=n: appointments.appointment_book(
                    opening=openings[3 + n % 2], start_time=nine, contact=_contact(n)
                )
            )
            for n in range(ATTEMPTS)
        ]
    )
    _check(outcomes, booked=1)
    assert Appointment.objects.filter(start_time=nine).count() == 4


def test_fifty_at_the_last_seat_of_a_workshop(operator):
    workshop = WorkshopFactory(stop=future_stop(operator=operator), capacity=8)
    for n in range(7):
        workshops.registration_create(workshop=workshop, contact=_contact(900 + n))
    outcomes = all_at_once(
        [
            (
                lambda n=n: workshops.registration_create(
                    workshop=workshop, contact=_contact(n), source=BookingSource.PUBLIC
                )
            )
            for n in range(ATTEMPTS)
        ]
    )
    assert not [outcome.error for outcome in outcomes if outcome.refused]
    registered = Registration.objects.filter(status=RegistrationStatus.REGISTERED)
    assert registered.count() == 8
    assert Registration.objects.filter(status=RegistrationStatus.WAITING).count() == ATTEMPTS - 1


def test_ten_workers_running_the_same_message_task_at_once_send_it_once(sms_outbox):
    """Two workers (or a retry) on the same task: the claim lets one of them send."""
    appointment = AppointmentFactory(
        opening__stop=future_stop(), email="nadia@example.org", phone="+33612345678"
    )

    def send():
        return booking_messages_send(
            kind="appointment", booking_id=appointment.pk, event="appointment_booked"
        )

    outcomes = all_at_once([send] * 10)
    assert not [outcome.error for outcome in outcomes if outcome.refused]
    assert len(mail.outbox) == 1
    assert len(sms_outbox()) == 1


@pytest.mark.parametrize("order", ["cancel_holds_first", "move_holds_first", "at_once"])
def test_a_move_racing_a_cancel_takes_the_bookings_along_in_its_own_transaction(
    order, operator, coordinator
):
    """A stop's change and its bookings' are one transaction: whichever of a move and a
    cancellation goes first, the appointment ends cancelled where the stop last was, and its
    person hears each change the stop went through once."""
    site = SiteFactory(operator=operator, name="Salle des fêtes")
    for attempt in range(3):
        stop = future_stop(
            operator=operator, date=timezone.localdate() + datetime.timedelta(days=7 + attempt)
        )
        opening = AppointmentOpeningFactory(stop=stop)
        booked = AppointmentFactory(opening=opening, email=f"nadia{attempt}@example.org")
        mail.outbox.clear()
        # Each change built from the stop as its page loaded it, before the other one.
        move, cancel = (
            move_later(stop_as_shown(stop), site, coordinator),
            cancel_later(stop_as_shown(stop), coordinator),
        )

        if order == "cancel_holds_first":
            cancelled, moved = one_holding_the_other(cancel, move)
        elif order == "move_holds_first":
            moved, cancelled = one_holding_the_other(move, cancel)
        else:
            cancelled, moved = at_once(cancel, move)

        assert not cancelled.refused, cancelled.error
        stop.refresh_from_db()
        booked.refresh_from_db()
        assert stop.is_cancelled and booked.status == AppointmentStatus.CANCELLED
        assert booked.start_time == stop.start_time, "where the stop last was"
        subjects = [message.subject for message in mail.outbox]
        # The move's message is skipped when the cancellation commits before its task runs
        # (`messages.refusal`: nothing about a booking cancelled meanwhile): at most once.
        assert len(subjects) in ((1,) if moved.refused else (1, 2)), subjects
        assert sum("ne viendra pas" in subject for subject in subjects) == 1, subjects
