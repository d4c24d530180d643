"""Reads of bookings: workshops with their seats taken and left, for the back office and the
public outputs (which read the same counts, so that they always agree)."""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from allervers.operators.models import Operator
from allervers.planning.enums import StopStatus
from allervers.reception.models import Person, PersonConsent

from .enums import RegistrationStatus
from .models import Registration, Workshop


def with_seats(workshops: QuerySet) -> QuerySet:
    """`registered_count` and `waiting_count` on each workshop, in SQL (see `seats_left`)."""
    return workshops.select_related("stop__site", "topic").annotate(
        registered_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)
        ),
        waiting_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.WAITING)
        ),
    )


def seats_left(workshop: Workshop) -> int:
    """The free seats of a workshop read through `with_seats`."""
    return max(0, workshop.capacity - workshop.registered_count)


def upcoming_workshops(operator: Operator, today: datetime.date) -> QuerySet:
    return with_seats(
        Workshop.objects.for_operator(operator).filter(stop__date__gte=today)
    ).order_by("stop__date", "start_time", "pk")


def past_workshops(operator: Operator, today: datetime.date) -> QuerySet:
    past = Workshop.objects.for_operator(operator).filter(stop__date__lt=today)
    return with_seats(past).order_by("-stop__date", "-start_time", "-pk")


def public_workshops_by_stop(
    stop_ids: list[int], *, with_cancelled: bool = False
) -> dict[int, list[Workshop]]:
    """The workshops the public sees, by stop, in one query: not cancelled, at held stops
    (`with_cancelled`: every workshop of the stops, for the feeds that say a cancellation)."""
    workshops = Workshop.objects.filter(stop_id__in=stop_ids)
    if not with_cancelled:
        workshops = workshops.not_cancelled().filter(stop__status=StopStatus.HELD)
    found: dict[int, list[Workshop]] = {}
    for workshop in with_seats(workshops).order_by("start_time", "pk"):
        found.setdefault(workshop.stop_id, []).append(workshop)
    return found


def registrations_of(workshop: Workshop) -> tuple[list[Registration], list[Registration]]:
    """(the seats, the waiting list in its order) of a workshop, with their people."""
    active = list(
        workshop.registrations.exclude(status=RegistrationStatus.CANCELLED).select_related("person")
    )
    seats = [r for r in active if r.status == RegistrationStatus.REGISTERED]
    waiting = sorted(
        (r for r in active if r.status == RegistrationStatus.WAITING),
        key=lambda r: (r.created_at, r.pk),
    )
    return seats, waiting


def consenting_persons(operator: Operator) -> QuerySet:
    """The people an agent may register: a consent in force (a followed person)."""
    in_force = PersonConsent.objects.active().filter(person=OuterRef("pk"))
    return Person.objects.for_operator(operator).filter(Exists(in_force))
