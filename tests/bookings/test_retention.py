"""The contact details of a booking without a followed person are erased a set number of days
after the appointment or the workshop, by the daily privacy sweep."""

import datetime

import pytest

from allervers.bookings.retention import booking_contacts_erase
from allervers.reception.services.privacy import privacy_sweep
from tests.bookings.factories import AppointmentFactory, RegistrationFactory, WorkshopFactory
from tests.conftest import PARIS
from tests.planning.factories import future_stop
from tests.reception.factories import PersonFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 17)  # the stop, a week after the clock's day


def on(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(3, 30), tzinfo=PARIS)


@pytest.fixture
def bookings(operator):
    stop = future_stop(operator=operator, date=DAY)
    return {
        "contact": AppointmentFactory(
            opening__stop=stop, operator=operator, email="nadia@example.org"
        ),
        "seat": RegistrationFactory(
            workshop=WorkshopFactory(stop=stop, operator=operator), email="paul@example.org"
        ),
        "person": RegistrationFactory(
            workshop=WorkshopFactory(stop=stop, operator=operator),
            person=PersonFactory(operator=operator),
            email="suivie@example.org",
        ),
    }


def fresh(booking):
    booking.refresh_from_db()
    return booking


def test_contacts_are_erased_30_days_after_the_booking_and_only_without_a_person(clock, bookings):
    clock.move_to(on(DAY + datetime.timedelta(days=29)))
    assert booking_contacts_erase() == 0
    assert fresh(bookings["contact"]).email == "nadia@example.org"
    clock.move_to(on(DAY + datetime.timedelta(days=30)))
    assert booking_contacts_erase() == 2
    for name in ("contact", "seat"):
        booking = fresh(bookings[name])
        assert (booking.first_name, booking.phone, booking.email) == ("", "", "")
        assert booking.contact_erased_at == on(DAY + datetime.timedelta(days=30))
    kept = fresh(bookings["person"])
    assert kept.email == "suivie@example.org" and kept.contact_erased_at is None
    assert booking_contacts_erase() == 0  # twice in a row: nothing more


def test_the_number_of_days_is_a_setting(clock, settings, bookings):
    settings.ALLERVERS_BOOKING_CONTACT_DAYS = 7
    clock.move_to(on(DAY + datetime.timedelta(days=7)))
    assert booking_contacts_erase() == 2


def test_the_daily_privacy_sweep_erases_them_and_says_how_many(clock, bookings):
    clock.move_to(on(DAY + datetime.timedelta(days=31)))
    summary = privacy_sweep()
    assert summary.booking_contacts_erased == 2
    assert (
        "Rendez-vous et ateliers : coordonnées effacées pour 2 réservations sans personne "
        "suivie (plus de 30 jours après)."
    ) in summary.lines()
    assert fresh(bookings["seat"]).phone == ""
