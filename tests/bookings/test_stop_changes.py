"""A stop cancelled or moved through the planning: each person booked on it is told once; the
bookings of a cancelled stop are cancelled with it."""

import datetime

import pytest
from django.core import mail

from allervers.bookings.enums import AppointmentStatus, RegistrationStatus
from allervers.bookings.models import Appointment, Registration
from allervers.planning import services as planning
from allervers.planning.enums import CancelReason
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
    assert all("Salle des fêtes" in sms["text"] for sms in sms_outbox())
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
