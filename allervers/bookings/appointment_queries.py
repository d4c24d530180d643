"""Reads of the appointments' back office: defaults, a stop's openings, the lists by stop, the
people an agent may book for, the visits an honoured appointment may be linked to."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from allervers.partners.models import Partner
from allervers.planning.enums import StopStatus
from allervers.planning.models import Stop
from allervers.reception.models import Person, PersonConsent, Visit

from .enums import APPOINTMENT_HOLDS_PLACE
from .models import Appointment, AppointmentOpening, PartnerBookingDefaults
from .slots import Slot, opening_slots
from .times import local_moment


def booking_defaults(operator, partner: Partner | None = None) -> PartnerBookingDefaults:
    """The partner's (None: the bus team's) defaults, or the built-in ones (unsaved)."""
    found = PartnerBookingDefaults.objects.filter(operator=operator, partner=partner).first()
    return found or PartnerBookingDefaults(operator=operator, partner=partner)


def openings(operator, partner_id: int | None = None) -> QuerySet:
    """The operator's openings with what their pages show; only one partner's when given."""
    queryset = AppointmentOpening.objects.for_operator(operator).select_related(
        "stop__site", "stop__operator", "partner"
    )
    if partner_id is not None:
        queryset = queryset.filter(partner_id=partner_id)
    return queryset


def stop_openings(stop: Stop, partner_id: int | None = None) -> list[AppointmentOpening]:
    """The openings of a stop, each with `held` (its appointments holding a place)."""
    return list(
        openings(stop.operator, partner_id)
        .filter(stop=stop)
        .annotate(
            held=Count("appointments", filter=Q(appointments__status__in=APPOINTMENT_HOLDS_PLACE))
        )
        .order_by("partner__name", "pk")
    )


def appointments(operator, partner_id: int | None = None) -> QuerySet:
    """The operator's appointments with their stop, partner, person and topic."""
    queryset = Appointment.objects.for_operator(operator).select_related(
        "opening__stop__site", "opening__stop__operator", "opening__partner", "person", "topic"
    )
    if partner_id is not None:
        queryset = queryset.filter(opening__partner_id=partner_id)
    return queryset


def appointments_by_day(
    operator,
    *,
    today: datetime.date,
    past: bool,
    partner_id: int | None = None,
    day: datetime.date | None = None,
) -> QuerySet:
    """Upcoming appointments (today first) or past ones (latest first), by stop then hour; only
    those of `day` when given."""
    queryset = appointments(operator, partner_id)
    if day is not None:
        return queryset.filter(opening__stop__date=day).order_by(
            "opening__stop__start_time", "opening__stop", "start_time", "pk"
        )
    if past:
        return queryset.filter(opening__stop__date__lt=today).order_by(
            "-opening__stop__date", "opening__stop__start_time", "opening__stop", "start_time", "pk"
        )
    return queryset.filter(opening__stop__date__gte=today).order_by(
        "opening__stop__date", "opening__stop__start_time", "opening__stop", "start_time", "pk"
    )


def slots_with_appointments(opening: AppointmentOpening) -> list[tuple[Slot, list[Appointment]]]:
    """Each slot of the opening with its places left and the appointments booked in it."""
    booked = list(
        opening.appointments.holding_place().select_related("person", "topic").order_by("pk")
    )
    return [
        (slot, [a for a in booked if a.start_time == slot.start_time])
        for slot in opening_slots(opening)
    ]


def bookable_slots(opening: AppointmentOpening, now: datetime.datetime) -> list[Slot]:
    """The slots of the opening still to come with a place left (none at a cancelled stop)."""
    stop = opening.stop
    if stop.status != StopStatus.HELD:
        return []
    return [
        slot
        for slot in opening_slots(opening)
        if slot.free > 0 and local_moment(stop.operator, stop.date, slot.start_time) > now
    ]


def consenting_people(operator) -> QuerySet:
    """The people an appointment may name: a consent of theirs in force."""
    in_force = PersonConsent.objects.active().filter(person=OuterRef("pk"))
    return (
        Person.objects.for_operator(operator)
        .filter(Exists(in_force))
        .order_by("last_name", "first_name", "pk")
    )


def visits_to_link(appointment: Appointment) -> QuerySet:
    """The visits of the appointment's stop that no appointment holds yet (an agent logged the
    person's arrival): an honoured appointment may be that visit rather than a new one."""
    return (
        Visit.objects.for_operator(appointment.operator)
        .filter(stop_id=appointment.opening.stop_id)
        .filter(Q(appointment__isnull=True) | Q(appointment=appointment))
        .select_related("person")
        .order_by("arrived_at", "pk")
    )


def move_targets(appointment: Appointment, now: datetime.datetime, limit: int = 20):
    """(opening, slot) pairs an appointment may move to: the same partner's (or team's)
    openings at coming held stops, nearest first, with a place left."""
    candidates = (
        openings(appointment.operator)
        .filter(
            partner_id=appointment.opening.partner_id,
            stop__status=StopStatus.HELD,
            stop__date__gte=now.date(),
        )
        .order_by("stop__date", "start_time", "pk")[:limit]
    )
    return [
        (opening, slot)
        for opening in candidates
        for slot in bookable_slots(opening, now)
        if not (opening.pk == appointment.opening_id and slot.start_time == appointment.start_time)
    ]
