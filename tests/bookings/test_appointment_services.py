"""The appointments' back-office services: defaults, changing or closing an opening, booking a
followed person, and the attendance that makes an honoured appointment one visit."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allervers.bookings import appointment_queries, notify
from allervers.bookings.enums import AppointmentStatus, BookingSource
from allervers.bookings.models import Appointment, AppointmentOpening, PartnerBookingDefaults
from allervers.bookings.services import appointments, attendance, contacts
from allervers.planning.enums import CancelReason, SpaceKind
from allervers.planning.services import stop_cancel
from allervers.reception.enums import VisitMode
from allervers.reception.models import Visit
from allervers.reporting.periods import Period
from allervers.reporting.queries import Scope, core_figures
from tests.bookings.factories import AppointmentFactory, AppointmentOpeningFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory, SpaceFactory, StopFactory, future_stop
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

pytestmark = pytest.mark.django_db

NINE = datetime.time(9, 0)
T = datetime.time


@pytest.fixture
def stop(operator):
    stop = future_stop(operator=operator)
    SpaceFactory(operator=operator, vehicle=stop.vehicle, kind=SpaceKind.OFFICE, capacity=4)
    return stop


@pytest.fixture
def todays(operator):
    """Today's stop, 9:00–12:00 (the tests' clock says 10:00), a partner present."""
    stop = StopFactory(operator=operator, date=timezone.localdate())
    PartnerPresenceFactory(stop=stop)
    return stop


def honoured_ready(stop, **fields) -> Appointment:
    """A 9:00 appointment with the stop's partner: it has begun."""
    partner = stop.presences.get().partner
    opening = AppointmentOpeningFactory(stop=stop, partner=partner)
    return AppointmentFactory(opening=opening, **fields)


# --- defaults -------------------------------------------------------------------------------


def test_defaults_are_built_in_until_saved_then_per_partner(operator, coordinator):
    partner = PartnerFactory(operator=operator)
    assert appointment_queries.booking_defaults(operator, partner).slot_minutes == 30
    appointments.booking_defaults_save(
        operator=operator, partner=partner, slot_minutes=45, desks=2, by=coordinator
    )
    appointments.booking_defaults_save(operator=operator, partner=partner, slot_minutes=40, desks=2)
    appointments.booking_defaults_save(operator=operator, slot_minutes=20, desks=3)
    assert PartnerBookingDefaults.objects.count() == 2
    assert appointment_queries.booking_defaults(operator, partner).slot_minutes == 40
    assert appointment_queries.booking_defaults(operator, None).desks == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slot_minutes": 3, "desks": 1}, "slot_minutes"),
        ({"slot_minutes": 30, "desks": 0}, "desks"),
    ],
)
def test_defaults_refuse_bad_values(operator, fields, field):
    with pytest.raises(ValidationError) as refusal:
        appointments.booking_defaults_save(operator=operator, **fields)
    assert field in refusal.value.error_dict
    assert not PartnerBookingDefaults.objects.exists()


def test_defaults_refuse_another_operators_partner(operator, other_operator):
    with pytest.raises(ValidationError):
        appointments.booking_defaults_save(
            operator=operator,
            partner=PartnerFactory(operator=other_operator),
            slot_minutes=30,
            desks=1,
        )


# --- change and close an opening -----------------------------------------------------------


def _change(opening, **fields):
    values = {
        "start_time": opening.start_time,
        "end_time": opening.end_time,
        "slot_minutes": opening.slot_minutes,
        "desks": opening.desks,
        "public_booking": opening.public_booking,
    } | fields
    return appointments.opening_change(opening=opening, **values)


def test_change_opening_keeps_what_fits(stop):
    opening = AppointmentOpeningFactory(stop=stop, desks=2)
    AppointmentFactory(opening=opening, start_time=T(9, 30), end_time=T(10))
    changed = _change(opening, start_time=T(9, 30), end_time=T(11), desks=1)
    assert (changed.start_time, changed.desks) == (T(9, 30), 1)


@pytest.mark.parametrize(
    "fields",
    [{"slot_minutes": 45}, {"start_time": T(10)}, {"end_time": T(9, 30)}],
    ids=["length", "later start", "earlier end"],
)
def test_change_opening_refuses_to_shrink_under_appointments(stop, fields):
    opening = AppointmentOpeningFactory(stop=stop)
    AppointmentFactory(opening=opening, start_time=T(9, 30), end_time=T(10))
    with pytest.raises(ValidationError, match=r"ne tiendrait plus|doivent tenir"):
        _change(opening, **fields)
    opening.refresh_from_db()
    assert (opening.start_time, opening.slot_minutes) == (NINE, 30)


def test_change_opening_refuses_fewer_desks_than_held_at_once(stop):
    opening = AppointmentOpeningFactory(stop=stop, desks=2)
    AppointmentFactory.create_batch(2, opening=opening)
    with pytest.raises(ValidationError) as refusal:
        _change(opening, desks=1)
    assert "gardez au moins 2" in refusal.value.error_dict["desks"][0].message
    opening.refresh_from_db()
    assert opening.desks == 2


def test_close_opening_refused_while_appointments_are_held(stop):
    opening = AppointmentOpeningFactory(stop=stop)
    appointment = AppointmentFactory(opening=opening)
    with pytest.raises(ValidationError, match="annulez-les"):
        appointments.opening_close(opening=opening)
    appointments.appointment_cancel(appointment)
    appointments.opening_close(opening=opening)
    assert not AppointmentOpening.objects.exists()


def test_open_uses_the_presence_hours_and_refuses_a_cancelled_stop(stop, coordinator):
    presence = PartnerPresenceFactory(stop=stop, start_time=T(10), end_time=T(12))
    stop_cancel(stop=stop, reason=CancelReason.OTHER, note="Route barrée", by=coordinator)
    with pytest.raises(ValidationError, match="annulée"):
        appointments.opening_create(stop=stop, partner=presence.partner, slot_minutes=30)
    assert not AppointmentOpening.objects.exists()


# --- an agent books for a followed person ---------------------------------------------------


def test_agent_books_for_a_consenting_person(stop, agent):
    person = PersonFactory(operator=stop.operator)
    opening = AppointmentOpeningFactory(stop=stop)
    appointment = appointments.appointment_book(
        opening=opening,
        start_time=NINE,
        contact=contacts.Contact(person=person),
        source=BookingSource.AGENT,
        by=agent,
    )
    assert (appointment.person, appointment.source, appointment.created_by) == (
        person,
        BookingSource.AGENT,
        agent,
    )


def test_agent_cannot_book_for_a_person_whose_consent_was_withdrawn(stop, agent, rf):
    person = PersonFactory(operator=stop.operator, consent_purpose=None)
    opening = AppointmentOpeningFactory(stop=stop)
    with pytest.raises(ValidationError) as refusal:
        appointments.appointment_book(
            opening=opening,
            start_time=NINE,
            contact=contacts.Contact(person=person),
            source=BookingSource.AGENT,
            by=agent,
        )
    assert "consentement" in refusal.value.error_dict["person"][0].message
    assert not Appointment.objects.exists()


def test_agent_cannot_book_for_another_operators_person(stop, agent, other_operator):
    person = PersonFactory(operator=other_operator)
    with pytest.raises(ValidationError):
        appointments.appointment_book(
            opening=AppointmentOpeningFactory(stop=stop),
            start_time=NINE,
            contact=contacts.Contact(person=person),
            source=BookingSource.AGENT,
            by=agent,
        )
    assert not Appointment.objects.exists()


# --- attendance -----------------------------------------------------------------------------


def test_honoured_makes_exactly_one_visit_on_appointment(todays, agent):
    appointment = honoured_ready(todays)
    scope = Scope(todays.operator_id, Period.month(2026, 6), timezone.localdate())
    before = core_figures(scope)["visits"]["visits"]
    attendance.attendance_record(appointment=appointment, status="honoured", by=agent)
    # The same form sent again: nothing more.
    attendance.attendance_record(
        appointment=appointment, status="honoured", by=agent, shown_status="booked"
    )
    visit = Visit.objects.get()
    appointment.refresh_from_db()
    assert appointment.visit == visit and appointment.visit_made_by_attendance
    assert visit.mode == VisitMode.APPOINTMENT
    assert visit.stop == todays
    assert list(visit.partners_seen.all()) == [appointment.opening.partner]
    assert core_figures(scope)["visits"]["visits"] == before + 1


def test_honoured_links_the_visit_an_agent_logged_and_counts_it_once(todays, agent):
    appointment = honoured_ready(todays)
    visit = VisitFactory(operator=todays.operator, stop=todays)
    scope = Scope(todays.operator_id, Period.month(2026, 6), timezone.localdate())
    before = core_figures(scope)["visits"]["visits"]
    attendance.attendance_record(appointment=appointment, status="honoured", by=agent, visit=visit)
    appointment.refresh_from_db()
    visit.refresh_from_db()
    assert appointment.visit == visit and not appointment.visit_made_by_attendance
    assert visit.mode == VisitMode.APPOINTMENT
    assert appointment.opening.partner in visit.partners_seen.all()
    assert Visit.objects.count() == 1
    assert core_figures(scope)["visits"]["visits"] == before
    # Changed to a no-show: the agent's visit stays, only unlinked.
    attendance.attendance_record(appointment=appointment, status="no_show", by=agent)
    appointment.refresh_from_db()
    assert appointment.visit is None
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_honoured_then_no_show_removes_the_visit_it_made(todays, agent):
    appointment = honoured_ready(todays)
    attendance.attendance_record(appointment=appointment, status="honoured", by=agent)
    attendance.attendance_record(appointment=appointment, status="no_show", by=agent)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.visit) == (AppointmentStatus.NO_SHOW, None)
    assert not Visit.objects.exists()


def test_a_visit_made_then_given_a_referral_is_kept(todays, agent):
    appointment = honoured_ready(todays)
    attendance.attendance_record(appointment=appointment, status="honoured", by=agent)
    visit = Visit.objects.get()
    ReferralFactory(operator=todays.operator, visit=visit)
    with pytest.raises(ValidationError, match="gardée"):
        attendance.attendance_record(appointment=appointment, status="excused", by=agent)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.visit) == (AppointmentStatus.HONOURED, visit)


def test_a_visit_of_another_stop_or_appointment_is_refused(todays, agent):
    appointment = honoured_ready(todays)
    elsewhere = VisitFactory(operator=todays.operator)
    with pytest.raises(ValidationError, match="pas de cette permanence"):
        attendance.attendance_record(
            appointment=appointment, status="honoured", by=agent, visit=elsewhere
        )
    other = AppointmentFactory(opening=appointment.opening)
    attendance.attendance_record(appointment=other, status="honoured", by=agent)
    other.refresh_from_db()
    with pytest.raises(ValidationError, match="autre rendez-vous"):
        attendance.attendance_record(
            appointment=appointment, status="honoured", by=agent, visit=other.visit
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_attendance_refused_before_the_appointment(todays, agent):
    appointment = honoured_ready(todays, start_time=T(10, 30), end_time=T(11))
    with pytest.raises(ValidationError, match="pas encore commencé"):
        attendance.attendance_record(appointment=appointment, status="honoured", by=agent)
    assert not Visit.objects.exists()


def test_attendance_refused_on_a_cancelled_appointment_or_stop(todays, agent, coordinator):
    appointment = honoured_ready(todays)
    appointments.appointment_cancel(appointment)
    with pytest.raises(ValidationError, match="annulé"):
        attendance.attendance_record(appointment=appointment, status="honoured", by=agent)
    other = AppointmentFactory(opening=appointment.opening)
    stop_cancel(stop=todays, reason=CancelReason.OTHER, note="Route barrée", by=coordinator)
    with pytest.raises(ValidationError, match="annulée"):
        attendance.attendance_record(appointment=other, status="no_show", by=agent)
    assert not Visit.objects.exists()


def test_a_stale_attendance_form_is_refused(todays, agent):
    appointment = honoured_ready(todays)
    attendance.attendance_record(appointment=appointment, status="excused", by=agent)
    with pytest.raises(ValidationError, match="modifié entre-temps"):
        attendance.attendance_record(
            appointment=appointment, status="no_show", by=agent, shown_status="booked"
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.EXCUSED


def test_attendance_refuses_an_unknown_status(todays, agent):
    appointment = honoured_ready(todays)
    with pytest.raises(ValidationError):
        attendance.attendance_record(appointment=appointment, status="cancelled", by=agent)


def test_consent_withdrawn_after_booking_hides_the_person_from_new_bookings(stop, agent):
    person = PersonFactory(operator=stop.operator)
    assert person in appointment_queries.consenting_people(stop.operator)
    person.consents.update(withdrawn_at=timezone.now())
    assert person not in appointment_queries.consenting_people(stop.operator)


def test_a_person_who_never_consented_is_not_offered(operator):
    PersonFactory(operator=operator, consent_purpose=None)
    assert not appointment_queries.consenting_people(operator).exists()


def test_the_same_move_twice_changes_nothing_the_second_time(stop, monkeypatch):
    opening = AppointmentOpeningFactory(stop=stop)
    appointment = AppointmentFactory(opening=opening)
    sent = []
    monkeypatch.setattr(notify, "after_commit", lambda event, booking: sent.append(event))
    moved = appointments.appointment_move(appointment, opening=opening, start_time=T(10))
    secret = moved.secret
    again = appointments.appointment_move(appointment, opening=opening, start_time=T(10))
    assert again.secret == secret
    assert sent == ["appointment_moved"]
