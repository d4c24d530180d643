"""The demo's bookings (issue 13): appointments linked to the visits « sur rendez-vous » (the
visit figures unchanged), workshops across the demo year, and places free to book ahead."""

import datetime

import pytest
from django.db.models import Count, F, Q
from django.utils import timezone

from allervers.bookings.enums import AppointmentStatus, Attendance, RegistrationStatus
from allervers.bookings.models import Appointment, AppointmentOpening, Registration, Workshop
from allervers.bookings.slots import opening_slots
from allervers.demo.reception import VISITS_IN_DEMO_YEAR
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Space
from allervers.reception.enums import VisitMode
from allervers.reception.models import Visit

pytestmark = pytest.mark.django_db


def _demo_year() -> int:
    return timezone.localdate().year - 1


def test_honoured_appointments_are_the_demo_visits_sur_rendez_vous(demo):
    operator = demo.operator
    year = _demo_year()
    visits = Visit.objects.for_operator(operator).filter(stop__date__year=year)
    assert visits.count() == VISITS_IN_DEMO_YEAR  # no visit added
    honoured = Appointment.objects.for_operator(operator).filter(
        opening__stop__date__year=year, status=AppointmentStatus.HONOURED
    )
    by_mode = visits.filter(mode=VisitMode.APPOINTMENT).count()
    assert 0.9 * by_mode <= honoured.count() <= by_mode
    # Each honoured appointment is one visit « sur rendez-vous » at its own stop.
    assert not honoured.filter(visit__isnull=True).exists()
    assert not honoured.exclude(visit__mode=VisitMode.APPOINTMENT).exists()
    assert not honoured.exclude(visit__stop=F("opening__stop")).exists()
    # Around them: excused, no-shows, cancellations, none left « réservé » in the past.
    statuses = set(
        Appointment.objects.for_operator(operator)
        .filter(opening__stop__date__year=year)
        .values_list("status", flat=True)
    )
    assert statuses == {
        AppointmentStatus.HONOURED,
        AppointmentStatus.EXCUSED,
        AppointmentStatus.NO_SHOW,
        AppointmentStatus.CANCELLED,
    }
    # Some partners take appointments, and the bus team.
    partners = set(
        AppointmentOpening.objects.for_operator(operator)
        .filter(appointments__isnull=False)
        .values_list("partner__slug", flat=True)
    )
    assert {None, "france-travail", "mission-locale"} <= partners


def test_no_moment_holds_more_appointments_than_the_office_has_places(demo):
    operator = demo.operator
    office = Space.objects.for_operator(operator).get(kind=SpaceKind.OFFICE).capacity
    rows = list(
        Appointment.objects.for_operator(operator)
        .holding_place()
        .values_list("opening__stop_id", "opening_id", "start_time", "end_time")
    )
    by_stop: dict[int, list] = {}
    for stop, opening, start, end in rows:
        by_stop.setdefault(stop, []).append((opening, start, end))
    for held in by_stop.values():
        # The most held at once is reached when one begins.
        for _opening, moment, _end in held:
            at_once = [o for o, s, e in held if s <= moment < e]
            assert len(at_once) <= office
            assert len(set(at_once)) == len(at_once)  # one desk per opening


def test_the_demo_year_has_recurring_workshops_with_waiting_lists_and_attendance(demo):
    operator = demo.operator
    year = _demo_year()
    sessions = dict(
        Workshop.objects.for_operator(operator)
        .filter(stop__date__year=year, cancelled_at__isnull=True)
        .values_list("title")
        .annotate(n=Count("pk"))
    )
    assert sessions["Atelier CV"] >= 20
    assert sessions["Creative lab de l'agglomération"] >= 12
    assert sessions["Actions « invisibles » du PLIE"] >= 6
    registrations = Registration.objects.for_operator(operator).filter(
        workshop__stop__date__year=year
    )
    assert registrations.filter(status=RegistrationStatus.WAITING).exists()
    assert registrations.filter(promoted_at__isnull=False).exists()
    assert registrations.filter(attendance=Attendance.ABSENT).exists()
    # Never more seated than seats.
    assert not (
        Workshop.objects.for_operator(operator)
        .annotate(seated=Count("registrations", filter=Q(registrations__status="registered")))
        .filter(seated__gt=F("capacity"))
        .exists()
    )
    # Past contact details of people not followed are erased, as the retention does.
    old = registrations.filter(
        person__isnull=True, workshop__stop__date__lt=datetime.date(year, 6, 1)
    )
    assert old.exists() and not old.exclude(phone="").exists()
    assert not old.filter(contact_erased_at__isnull=True).exists()


def test_the_coming_weeks_can_be_booked(demo):
    operator = demo.operator
    today = timezone.localdate()
    openings = AppointmentOpening.objects.for_operator(operator).filter(
        stop__date__gt=today, public_booking=True
    )
    assert openings.exists()
    assert any(slot.free for opening in openings for slot in opening_slots(opening))
    assert Appointment.objects.filter(opening__in=openings, status=AppointmentStatus.BOOKED)
    workshops = Workshop.objects.for_operator(operator).filter(
        stop__date__gt=today, public_registration=True, cancelled_at__isnull=True
    )
    free = [
        workshop
        for workshop in workshops
        if workshop.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        < workshop.capacity
    ]
    assert free
    # One of them full, its waiting list started.
    assert Registration.objects.filter(
        workshop__in=workshops, status=RegistrationStatus.WAITING
    ).exists()
