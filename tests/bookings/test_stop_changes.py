"""A stop cancelled or moved through the planning: each person booked on it is told once; the
bookings of a cancelled stop are cancelled with it."""

import datetime

import pytest
from django.core import mail

from allervers.bookings.enums import AppointmentStatus, RegistrationStatus
from allervers.bookings.models import Appointment, Registration
from allervers.bookings.services import stop_changes
from allervers.planning import services as planning
from allervers.planning.enums import CancelReason
from allervers.planning.models import StopEvent
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.planning.factories import SiteFactory, future_stop

pytestmark = pytest.mark.django_db


@pytest.fixture
def stop(operator):
    return future_stop(operator=operator, site__name="Place du Regain")


@pytest.fixture
def booked(stop):
    """Three people booked (two appointments, a seat), one waiting, one already cancelled."""
    opening = AppointmentOpeningFactory(stop=stop)
    workshop = WorkshopFactory(stop=stop, capacity=1)
    return {
        "nadia": AppointmentFactory(
            opening=opening, email="nadia@example.org", phone="+33611111111"
        ),
        "paul": AppointmentFactory(
            opening=opening,
            start_time=datetime.time(10),
            email="paul@example.org",
            phone="+33611111112",
        ),
        "seat": RegistrationFactory(
            workshop=workshop, email="seat@example.org", phone="+33611111113"
        ),
        "waiting": RegistrationFactory(
            workshop=workshop,
            status=RegistrationStatus.WAITING,
            email="wait@example.org",
            phone="+33611111114",
        ),
        "gone": AppointmentFactory(
            opening=opening,
            start_time=datetime.time(11),
            status=AppointmentStatus.CANCELLED,
            email="gone@example.org",
            phone="+33611111115",
        ),
    }


def recipients() -> list[str]:
    return sorted(message.to[0] for message in mail.outbox)


ACTIVE = ["nadia@example.org", "paul@example.org", "seat@example.org", "wait@example.org"]


def test_a_cancelled_stop_tells_each_person_booked_exactly_once(
    stop, booked, coordinator, django_capture_on_commit_callbacks, sms_outbox
):
    with django_capture_on_commit_callbacks(execute=True):
        planning.stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, by=coordinator)
    assert recipients() == ACTIVE
    assert len(sms_outbox()) == 4
    assert len({sms["to"] for sms in sms_outbox()}) == 4
    message = mail.outbox[0]
    assert "ne viendra pas" in message.subject
    assert "panne" in message.body.lower()
    assert "ne viendra pas" in sms_outbox()[0]["text"]
    assert all(
        appointment.status == AppointmentStatus.CANCELLED
        for appointment in Appointment.objects.all()
    )
    assert set(Registration.objects.values_list("status", flat=True)) == {
        RegistrationStatus.CANCELLED
    }
    # Restored afterwards: nobody is told again, and no booking comes back.
    with django_capture_on_commit_callbacks(execute=True):
        planning.stop_restore(stop=stop, by=coordinator)
    assert len(mail.outbox) == 4 and len(sms_outbox()) == 4
    assert not Appointment.objects.filter(status=AppointmentStatus.BOOKED).exists()


def test_a_moved_stop_tells_each_person_the_new_moment_once_per_move(
    stop, booked, coordinator, django_capture_on_commit_callbacks, sms_outbox
):
    hall = SiteFactory(operator=stop.operator, name="Salle des fêtes")
    first_site, first_date = stop.site, stop.date
    with django_capture_on_commit_callbacks(execute=True):
        planning.stop_move(
            stop=stop,
            site=hall,
            date=stop.date + datetime.timedelta(days=1),
            start_time=stop.start_time,
            end_time=stop.end_time,
            by=coordinator,
        )
    assert recipients() == ACTIVE
    assert all("Salle des fêtes" in message.body for message in mail.outbox)
    assert all("jeudi 18 juin 2026" in message.body for message in mail.outbox)
    assert all("Salle des fetes" in sms["text"] for sms in sms_outbox())  # in GSM letters
    assert len(sms_outbox()) == 4
    with django_capture_on_commit_callbacks(execute=True):
        planning.stop_move(
            stop=stop,
            site=first_site,
            date=first_date,
            start_time=stop.start_time,
            end_time=stop.end_time,
            by=coordinator,
        )
    assert len(mail.outbox) == 8  # a second move is a second message
    assert Appointment.objects.filter(status=AppointmentStatus.BOOKED).count() == 2


def test_bookings_follow_a_stop_moved_to_other_hours(
    stop, booked, coordinator, django_capture_on_commit_callbacks, sms_outbox
):
    """09:00–12:00 moved to 14:00–16:00: the appointments keep their place in the stop (09:00 →
    14:00, 10:00 → 15:00); the workshop (09:00–12:00) no longer fits: cancelled, its people told
    the team cancelled it; each person is told once."""
    with django_capture_on_commit_callbacks(execute=True):
        planning.stop_move(
            stop=stop,
            site=stop.site,
            date=stop.date,
            start_time=datetime.time(14),
            end_time=datetime.time(16),
            by=coordinator,
        )
    nadia, paul = (Appointment.objects.get(pk=booked[name].pk) for name in ("nadia", "paul"))
    assert (nadia.start_time, nadia.end_time) == (datetime.time(14), datetime.time(14, 30))
    assert (paul.start_time, paul.status) == (datetime.time(15), AppointmentStatus.BOOKED)
    opening = nadia.opening
    assert (opening.start_time, opening.end_time) == (datetime.time(14), datetime.time(16))
    workshop = booked["seat"].workshop
    workshop.refresh_from_db()
    assert workshop.is_cancelled
    assert set(workshop.registrations.values_list("status", flat=True)) == {
        RegistrationStatus.CANCELLED
    }
    assert recipients() == ACTIVE  # each once
    by_address = {message.to[0]: message for message in mail.outbox}
    assert "à 14h" in by_address["nadia@example.org"].body
    assert "à 15h" in by_address["paul@example.org"].body
    assert "a dû annuler l'atelier. Votre place est annulée." in by_address["seat@example.org"].body
    assert len(sms_outbox()) == 4


def test_an_appointment_that_no_longer_fits_a_shorter_stop_is_cancelled(
    stop, coordinator, django_capture_on_commit_callbacks
):
    opening = AppointmentOpeningFactory(stop=stop)
    late = AppointmentFactory(
        opening=opening, start_time=datetime.time(11, 30), email="late@example.org"
    )
    with django_capture_on_commit_callbacks(execute=True):
        planning.stop_move(
            stop=stop,
            site=stop.site,
            date=stop.date,
            start_time=stop.start_time,
            end_time=datetime.time(11),
            by=coordinator,
        )
    late.refresh_from_db()
    assert late.status == AppointmentStatus.CANCELLED and late.status_changed_by == coordinator
    [message] = mail.outbox
    assert "a dû annuler votre rendez-vous" in message.body
    opening.refresh_from_db()
    assert opening.end_time == datetime.time(11)


def test_two_moves_in_a_row_shift_the_bookings_once_each(
    stop, coordinator, django_capture_on_commit_callbacks
):
    """09:00 → 14:00 → 15:00, the second move committed before the first one's receiver ran (two
    coordinators at once): the appointment ends at 15:00, not shifted twice by the last move."""
    opening = AppointmentOpeningFactory(stop=stop)
    nine = AppointmentFactory(opening=opening, email="nine@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for start in (datetime.time(14), datetime.time(15)):
            planning.stop_move(
                stop=stop,
                site=stop.site,
                date=stop.date,
                start_time=start,
                end_time=datetime.time(start.hour + 3),
                by=coordinator,
            )
    for callback in callbacks:  # each move's receivers, in order, after both moves
        callback()
    nine.refresh_from_db()
    assert (nine.start_time, nine.status) == (datetime.time(15), AppointmentStatus.BOOKED)
    opening.refresh_from_db()
    assert (opening.start_time, opening.end_time) == (datetime.time(15), datetime.time(18))


@pytest.mark.parametrize("change", ["move", "cancel"])
def test_a_failing_bookings_hook_undoes_the_stop_change(
    change, stop, booked, coordinator, monkeypatch, django_capture_on_commit_callbacks
):
    """The bookings follow the stop inside the planning's transaction: when they fail (after
    shifting or cancelling their rows), the stop keeps its slot and status, the bookings theirs,
    no history line is written and nobody is told."""

    def broken(*args, **kwargs):
        raise RuntimeError("bookings failed")

    monkeypatch.setattr(stop_changes, "_tell_after_commit", broken)
    slot = (stop.site_id, stop.date, stop.start_time, stop.end_time, stop.status, stop.version)
    before = {
        "appointments": sorted(Appointment.objects.values_list("pk", "status", "start_time")),
        "registrations": sorted(Registration.objects.values_list("pk", "status")),
    }
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        if change == "move":
            planning.stop_move(
                stop=stop,
                site=stop.site,
                date=stop.date,
                start_time=datetime.time(14),
                end_time=datetime.time(16),
                by=coordinator,
            )
        else:
            planning.stop_cancel(stop=stop, reason=CancelReason.BREAKDOWN, by=coordinator)
    stop.refresh_from_db()
    assert (
        stop.site_id,
        stop.date,
        stop.start_time,
        stop.end_time,
        stop.status,
        stop.version,
    ) == slot
    assert not StopEvent.objects.filter(stop=stop).exists()
    assert {
        "appointments": sorted(Appointment.objects.values_list("pk", "status", "start_time")),
        "registrations": sorted(Registration.objects.values_list("pk", "status")),
    } == before
    assert mail.outbox == []
