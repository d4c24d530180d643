"""Reminders the day before, at the structure's hour: once per booking however often the
command runs; none before the hour; only to those who may be reminded."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from allervers.bookings import messages
from allervers.bookings.enums import AppointmentStatus, RegistrationStatus
from allervers.planning.enums import CancelReason, StopStatus
from allervers.reception.enums import ConsentPurpose
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.conftest import PARIS
from tests.planning.factories import future_stop
from tests.reception.factories import PersonFactory

pytestmark = pytest.mark.django_db

# The clock's day is Wednesday 10 June 2026; the stop is on Thursday 11 June.
TOMORROW = datetime.date(2026, 6, 11)


def at(hour: int, minute: int = 0, day: int = 10) -> datetime.datetime:
    return datetime.datetime(2026, 6, day, hour, minute, tzinfo=PARIS)


def run() -> str:
    out = io.StringIO()
    call_command("send_booking_reminders", stdout=out)
    return out.getvalue()


@pytest.fixture
def stop(operator):
    operator.reminder_time = datetime.time(18, 30)
    operator.save()
    return future_stop(operator=operator, date=TOMORROW, site__name="Mairie")


@pytest.fixture
def bookings(stop):
    return [
        AppointmentFactory(opening__stop=stop, operator=stop.operator, email="a@example.org"),
        RegistrationFactory(
            workshop=WorkshopFactory(stop=stop, operator=stop.operator),
            operator=stop.operator,
            email="r@example.org",
        ),
    ]


def test_one_reminder_per_booking_after_the_hour_however_often_the_command_runs(
    clock, bookings, sms_outbox
):
    clock.move_to(at(18, 15))
    assert run() == "Rappels mis en file : 0.\n"
    assert mail.outbox == [] and sms_outbox() == []
    clock.move_to(at(18, 30))
    assert run() == "Rappels mis en file : 2.\n"
    clock.move_to(at(18, 45))
    assert run() == "Rappels mis en file : 0.\n"
    clock.move_to(at(23, 45))
    run()
    assert sorted(message.to[0] for message in mail.outbox) == ["a@example.org", "r@example.org"]
    # Each kind of booking says what it is (issue 27): an appointment, a workshop seat.
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address["a@example.org"].subject == "Rappel : rendez-vous demain au bus"
    assert by_address["r@example.org"].subject == "Rappel : atelier demain au bus"
    assert all("demain" in message.body for message in mail.outbox)
    texts = sorted(sms["text"] for sms in sms_outbox())
    assert len(texts) == 2
    assert texts[0].startswith("Rappel : rendez-vous demain au bus de CCAS de test à 9h, Mairie.")
    assert texts[1].startswith("Rappel : votre place demain au bus de CCAS de test à 9h, Mairie.")
    clock.move_to(at(0, 15, day=11))  # the day itself: no more reminders
    assert run() == "Rappels mis en file : 0.\n"


def test_the_hour_is_the_structure_s_in_its_time_zone(clock, operator, bookings):
    operator.time_zone = "America/Cayenne"  # 5 hours behind Paris in June
    operator.save()
    clock.move_to(at(23, 0))  # 18:00 in Cayenne
    run()
    assert mail.outbox == []
    clock.move_to(at(23, 30))  # 18:30 in Cayenne
    run()
    assert len(mail.outbox) == 2


def test_no_reminder_for_what_is_cancelled_or_for_another_day(clock, operator, stop, bookings):
    appointment, registration = bookings
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    registration.status = RegistrationStatus.WAITING
    registration.save()
    AppointmentFactory(opening__stop=future_stop(operator=operator, date=TOMORROW.replace(day=12)))
    cancelled_stop = future_stop(
        operator=operator,
        date=TOMORROW,
        start_time=datetime.time(14),
        end_time=datetime.time(16),
        vehicle=stop.vehicle,
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.BREAKDOWN,
    )
    AppointmentFactory(opening__stop=cancelled_stop)
    clock.move_to(at(19, 0))
    assert run() == "Rappels mis en file : 0.\n"


def test_a_followed_person_is_reminded_only_with_the_reminders_consent(
    clock, operator, stop, sms_outbox
):
    without = PersonFactory(operator=operator, consent_purpose=ConsentPurpose.FOLLOW_UP)
    with_it = PersonFactory(operator=operator, consent_purpose=ConsentPurpose.REMINDERS)
    opening = AppointmentOpeningFactory(stop=stop)
    for person, phone in ((without, "+33611111111"), (with_it, "+33622222222")):
        AppointmentFactory(opening=opening, person=person, phone=phone, email="")
    clock.move_to(at(19, 0))
    run()
    assert [sms["to"] for sms in sms_outbox()] == ["+33622222222"]


def test_a_booking_cancelled_after_its_reminder_was_queued_is_not_reminded(
    clock, bookings, sms_outbox
):
    appointment, _ = bookings
    clock.move_to(at(19, 0))
    [due, _] = messages.reminders_due(timezone.now())
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    kind, pk, date = due
    messages.booking_messages_send(kind=kind, booking_id=pk, event="reminder", discriminator=date)
    assert mail.outbox == [] and sms_outbox() == []
