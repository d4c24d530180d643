"""The booking services: places counted against the partner's desks and the office, refusals in
French with nothing saved, the waiting list promoted in order, links signed and expiring."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from allervers.bookings import links
from allervers.bookings.enums import AppointmentStatus, BookingSource, RegistrationStatus
from allervers.bookings.models import Appointment, Registration
from allervers.bookings.phones import normalise_phone
from allervers.bookings.services import appointments, contacts, workshops
from allervers.bookings.slots import opening_slots
from allervers.planning.enums import CancelReason, SpaceKind, StopStatus
from tests.bookings.factories import AppointmentOpeningFactory, WorkshopFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory, SpaceFactory, future_stop

pytestmark = pytest.mark.django_db

NINE = datetime.time(9, 0)


def contact(n: int = 1, **fields) -> contacts.Contact:
    return contacts.Contact(
        first_name=fields.pop("first_name", f"Nadia{n}"),
        phone=fields.pop("phone", f"06 12 34 56 {n:02d}"),
        contact_consent=True,
        **fields,
    )


@pytest.fixture
def stop(operator):
    stop = future_stop(operator=operator)
    SpaceFactory(operator=operator, vehicle=stop.vehicle, kind=SpaceKind.OFFICE, capacity=2)
    return stop


def test_open_appointments_for_a_partner_within_its_presence(stop):
    presence = PartnerPresenceFactory(
        stop=stop, start_time=datetime.time(10), end_time=datetime.time(11)
    )
    opening = appointments.opening_create(stop=stop, partner=presence.partner, slot_minutes=20)
    assert (opening.start_time, opening.end_time) == (datetime.time(10), datetime.time(11))
    assert [slot.label for slot in opening_slots(opening)] == ["10:00", "10:20", "10:40"]
    with pytest.raises(ValidationError):
        appointments.opening_create(stop=stop, partner=presence.partner, slot_minutes=20)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slot_minutes": 2}, "slot_minutes"),
        ({"slot_minutes": 30, "desks": 3}, "desks"),
        ({"slot_minutes": 30, "end_time": datetime.time(13)}, "start_time"),
        ({"slot_minutes": 240}, "slot_minutes"),
    ],
)
def test_open_appointments_refuses_bad_settings(stop, fields, field):
    with pytest.raises(ValidationError) as refusal:
        appointments.opening_create(stop=stop, **fields)
    assert field in refusal.value.error_dict
    assert not stop.appointment_openings.exists()


def test_open_appointments_refuses_a_partner_not_present(stop):
    partner = PartnerFactory(operator=stop.operator)
    with pytest.raises(ValidationError, match="n'est pas prévu"):
        appointments.opening_create(stop=stop, partner=partner, slot_minutes=30)


def test_desks_limit_each_slot(stop):
    opening = AppointmentOpeningFactory(stop=stop, desks=1)
    appointments.appointment_book(opening=opening, start_time=NINE, contact=contact(1))
    with pytest.raises(ValidationError, match="vient d'être pris"):
        appointments.appointment_book(opening=opening, start_time=NINE, contact=contact(2))
    assert Appointment.objects.count() == 1
    assert opening_slots(opening)[0].free == 0
    assert opening_slots(opening)[1].free == 1


def test_the_office_limits_every_opening_of_the_stop(stop):
    """Two places in the office: three partners with a desk each cannot hold three at once."""
    openings = []
    for _ in range(3):
        partner = PartnerPresenceFactory(stop=stop).partner
        openings.append(AppointmentOpeningFactory(stop=stop, partner=partner))
    appointments.appointment_book(opening=openings[0], start_time=NINE, contact=contact(1))
    appointments.appointment_book(opening=openings[1], start_time=NINE, contact=contact(2))
    with pytest.raises(ValidationError, match="vient d'être pris"):
        appointments.appointment_book(opening=openings[2], start_time=NINE, contact=contact(3))
    # A different slot length still overlaps: 09:15 in a 45-minute grid is inside 09:00–09:30.
    assert opening_slots(openings[2])[0].free == 0


def test_a_cancelled_appointment_frees_its_place(stop):
    opening = AppointmentOpeningFactory(stop=stop)
    first = appointments.appointment_book(opening=opening, start_time=NINE, contact=contact(1))
    appointments.appointment_cancel(first)
    second = appointments.appointment_book(opening=opening, start_time=NINE, contact=contact(2))
    assert second.status == AppointmentStatus.BOOKED
    with pytest.raises(ValidationError, match="déjà annulée"):
        appointments.appointment_cancel(first)


@pytest.mark.parametrize(
    ("start", "message"),
    [(datetime.time(9, 10), "n'existe pas"), (datetime.time(12), "n'existe pas")],
)
def test_a_time_off_the_grid_is_refused(stop, start, message):
    opening = AppointmentOpeningFactory(stop=stop)
    with pytest.raises(ValidationError, match=message):
        appointments.appointment_book(opening=opening, start_time=start, contact=contact())


def test_past_slot_and_cancelled_stop_are_refused(stop, clock):
    opening = AppointmentOpeningFactory(stop=stop)
    stop.status, stop.cancel_reason = StopStatus.CANCELLED, CancelReason.WEATHER
    stop.save()
    with pytest.raises(ValidationError, match="annulée"):
        appointments.appointment_book(opening=opening, start_time=NINE, contact=contact())
    stop.status, stop.cancel_reason = StopStatus.HELD, ""
    stop.save()
    clock.move_to(datetime.datetime.combine(stop.date, datetime.time(9, 5)).astimezone())
    with pytest.raises(ValidationError, match="passé"):
        appointments.appointment_book(opening=opening, start_time=NINE, contact=contact())
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"phone": ""}, "phone"),
        ({"phone": "06 12"}, None),
    ],
)
def test_public_contact_is_checked(stop, fields, field):
    opening = AppointmentOpeningFactory(stop=stop)
    with pytest.raises(ValidationError) as refusal:
        appointments.appointment_book(opening=opening, start_time=NINE, contact=contact(**fields))
    if field:
        assert field in refusal.value.error_dict
    assert not Appointment.objects.exists()


def test_the_same_contact_cannot_book_twice_the_same_opening(stop):
    opening = AppointmentOpeningFactory(stop=stop, desks=2)
    appointments.appointment_book(opening=opening, start_time=NINE, contact=contact(1))
    with pytest.raises(ValidationError, match="déjà réservé"):
        appointments.appointment_book(
            opening=opening,
            start_time=datetime.time(9, 30),
            contact=contact(1, phone="+33612345601"),
        )


def test_phone_is_stored_normalised(stop):
    opening = AppointmentOpeningFactory(stop=stop)
    appointment = appointments.appointment_book(
        opening=opening, start_time=NINE, contact=contact(phone="06.12.34.56.78")
    )
    assert appointment.phone == "+33612345678" == normalise_phone("+33 6 12 34 56 78")


def test_move_keeps_one_place_and_revokes_old_links(stop):
    opening = AppointmentOpeningFactory(stop=stop)
    appointment = appointments.appointment_book(opening=opening, start_time=NINE, contact=contact())
    old_link = links.booking_token(appointment)
    moved = appointments.appointment_move(
        appointment, opening=opening, start_time=datetime.time(10)
    )
    assert moved.start_time == datetime.time(10)
    assert [slot.free for slot in opening_slots(opening)][:3] == [1, 1, 0]
    with pytest.raises(links.LinkRefused):
        links.booking_from_token(old_link)
    assert links.booking_from_token(links.booking_token(moved)) == moved


def test_links_refuse_forged_and_expired(stop, clock):
    opening = AppointmentOpeningFactory(stop=stop)
    appointment = appointments.appointment_book(opening=opening, start_time=NINE, contact=contact())
    token = links.booking_token(appointment)
    for forged in [token[:-2] + "xx", "abc", "", token.replace(":", "")]:
        with pytest.raises(links.LinkRefused) as refusal:
            links.booking_from_token(forged)
        assert not refusal.value.expired
    clock.move_to(datetime.datetime.combine(stop.date, datetime.time(9, 1)).astimezone())
    with pytest.raises(links.LinkRefused) as refusal:
        links.booking_from_token(token)
    assert refusal.value.expired


def test_workshop_fills_then_waiting_list_promoted_in_order(operator):
    workshop = WorkshopFactory(stop=future_stop(operator=operator), capacity=2)
    first, second = (
        workshops.registration_create(workshop=workshop, contact=contact(n)) for n in (1, 2)
    )
    third = workshops.registration_create(workshop=workshop, contact=contact(3))
    fourth = workshops.registration_create(workshop=workshop, contact=contact(4))
    assert [r.status for r in (first, second, third, fourth)] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITING,
        RegistrationStatus.WAITING,
    ]
    promoted = workshops.registration_cancel(second)
    assert promoted == [third]
    third.refresh_from_db()
    assert third.status == RegistrationStatus.REGISTERED and third.promoted_at
    assert workshop.registrations.registered().count() == 2
    # A waiting place cancelled promotes nobody.
    assert workshops.registration_cancel(fourth) == []


def test_workshop_refusals(operator):
    workshop = WorkshopFactory(stop=future_stop(operator=operator), public_registration=False)
    with pytest.raises(ValidationError, match="auprès de l'équipe"):
        workshops.registration_create(workshop=workshop, contact=contact())
    workshops.registration_create(workshop=workshop, contact=contact(), source=BookingSource.AGENT)
    with pytest.raises(ValidationError, match="déjà inscrites"):
        workshops.registration_create(
            workshop=workshop, contact=contact(), source=BookingSource.AGENT
        )
    assert Registration.objects.count() == 1
