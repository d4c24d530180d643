"""The reads of the residents' booking pages: what can be booked online, and its free slots.

Only openings marked `public_booking`, at held stops from today on, and only their slots that
start later than now with a place left. A fixed number of queries, whatever the number of stops:
the openings, the appointments holding a place at their stops, the offices of their vehicles.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F
from django.utils import timezone

from allervers.bookings.models import Appointment, AppointmentOpening, TopicPartner, Workshop
from allervers.bookings.slots import Slot, places_left, slot_times
from allervers.bookings.times import local_moment
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.enums import DEFAULT_OFFICE_CAPACITY, SpaceKind, StopStatus
from allervers.planning.models import Space, Stop
from allervers.reception.models import Topic

from .queries import today

# How far ahead a resident may book online.
BOOKING_DAYS = 8 * 7
# The team of the bus itself (an opening without partner), in a choice's value.
TEAM = "equipe"


@dataclass(frozen=True)
class OpeningSlots:
    """A bookable opening and its free future slots (never empty)."""

    opening: AppointmentOpening
    slots: list[Slot]

    @property
    def stop(self) -> Stop:
        return self.opening.stop


def bookable(
    operator: Operator,
    *,
    stop_ids: list[int] | None = None,
    partner_keys: set | None = None,
    now: datetime.datetime | None = None,
) -> list[OpeningSlots]:
    """The operator's public openings with at least one free future slot, in the order of
    their stops. `stop_ids`: only those stops; `partner_keys`: only those partners (ids, and
    `TEAM` for the bus team). Three queries."""
    now = now or timezone.now()
    start = today()
    openings = (
        AppointmentOpening.objects.for_operator(operator)
        .bookable_by_public()
        .filter(
            stop__status=StopStatus.HELD,
            stop__date__gte=start,
            stop__date__lte=start + datetime.timedelta(days=BOOKING_DAYS),
        )
        .select_related("stop__site", "partner")
        .order_by("stop__date", "stop__start_time", "start_time", "pk")
    )
    if stop_ids is not None:
        openings = openings.filter(stop_id__in=stop_ids)
    openings = [
        opening
        for opening in openings
        if partner_keys is None or (opening.partner_id or TEAM) in partner_keys
    ]
    if not openings:
        return []
    held = _held_by_stop({opening.stop_id for opening in openings})
    offices = _offices({opening.stop.vehicle_id for opening in openings})
    found = []
    for opening in openings:
        office = offices.get(opening.stop.vehicle_id, DEFAULT_OFFICE_CAPACITY)
        slots = []
        for start_time, end_time in slot_times(opening):
            if local_moment(operator, opening.stop.date, start_time) <= now:
                continue
            free = places_left(
                opening,
                start_time,
                end_time,
                office=office,
                stop_appointments=held[opening.stop_id],
            )
            if free > 0:
                slots.append(Slot(start_time, end_time, free))
        if slots:
            found.append(OpeningSlots(opening, slots))
    return found


def _held_by_stop(stop_ids: set[int]) -> dict[int, list[Appointment]]:
    held = defaultdict(list)
    appointments = (
        Appointment.objects.filter(opening__stop_id__in=stop_ids)
        .holding_place()
        .annotate(stop_key=F("opening__stop_id"))
        .only("pk", "opening_id", "start_time", "end_time")
    )
    for appointment in appointments:
        held[appointment.stop_key].append(appointment)
    return held


def _offices(vehicle_ids: set[int]) -> dict[int, int]:
    return dict(
        Space.objects.filter(vehicle_id__in=vehicle_ids, kind=SpaceKind.OFFICE)
        .order_by("pk")
        .values_list("vehicle_id", "capacity")
    )


def bookable_stop_ids(operator: Operator, stops: list[Stop]) -> set[int]:
    """The stops among `stops` where a resident can book online now (for the links)."""
    ids = [stop.pk for stop in stops if stop.status == StopStatus.HELD]
    if not ids:
        return set()
    return {found.stop.pk for found in bookable(operator, stop_ids=ids)}


# --- what the appointment is for -----------------------------------------------------------


@dataclass(frozen=True)
class Purpose:
    """What a resident books for: a partner (or the bus team), or a request theme."""

    value: str  # "partenaire-<id>", "equipe" or "theme-<id>"
    label: str
    partner_keys: set | None  # None: every partner with openings
    topic: Topic | None = None


def partner_purpose(partner: Partner | None) -> Purpose:
    if partner is None:
        return Purpose(TEAM, "L'équipe du bus", {TEAM})
    return Purpose(f"partenaire-{partner.pk}", partner.name, {partner.pk})


def topic_purpose(topic: Topic, mapped: set | None) -> Purpose:
    return Purpose(f"theme-{topic.pk}", topic.name, mapped, topic)


def purpose_choices(operator: Operator, found: list[OpeningSlots]) -> tuple[list, list]:
    """(partners, themes) a resident may choose from, given the bookable openings `found`:
    the partners (and the bus team) with free slots, and the active themes one of whose
    partners has free slots (a theme with no partner set: every partner)."""
    partners, seen = [], set()
    for item in found:
        key = item.opening.partner_id or TEAM
        if key not in seen:
            seen.add(key)
            partners.append(partner_purpose(item.opening.partner))
    partners.sort(key=lambda purpose: (purpose.value == TEAM, purpose.label.lower()))
    if not seen:
        return [], []
    mapping = topic_partner_map(operator)
    themes = []
    for topic in Topic.objects.for_operator(operator).active():
        mapped = mapping.get(topic.pk)
        if mapped is None or mapped & seen:
            themes.append(topic_purpose(topic, mapped))
    return partners, themes


def topic_partner_map(operator: Operator) -> dict[int, set[int]]:
    """Theme id → ids of its partners (themes without any are absent)."""
    return TopicPartner.objects.for_operator(operator).partner_ids_by_topic()


def purpose_from(operator: Operator, value: str | None) -> Purpose | None:
    """The purpose a choice's value names (of this operator), or None."""
    value = (value or "").strip()
    if value == TEAM:
        return partner_purpose(None)
    kind, _, number = value.partition("-")
    if not number.isdigit() or len(number) > 12:
        return None
    if kind == "partenaire":
        partner = Partner.objects.for_operator(operator).filter(pk=int(number)).first()
        return partner_purpose(partner) if partner else None
    if kind == "theme":
        topic = Topic.objects.for_operator(operator).filter(pk=int(number)).first()
        if topic is None:
            return None
        return topic_purpose(topic, topic_partner_map(operator).get(topic.pk))
    return None


def partner_openings(opening: AppointmentOpening) -> dict[int, AppointmentOpening]:
    """The public openings of the same partner (or the bus team) from today on, full or not:
    where an appointment of `opening` may be moved (the service says why a slot cannot)."""
    same = AppointmentOpening.objects.for_operator(opening.operator_id).bookable_by_public()
    if opening.partner_id:
        same = same.filter(partner_id=opening.partner_id)
    else:
        same = same.filter(partner__isnull=True)
    same = same.filter(stop__date__gte=today()).select_related("stop__operator", "partner")
    return {found.pk: found for found in same}


def stops_of(found: list[OpeningSlots]) -> list[Stop]:
    stops, seen = [], set()
    for item in found:
        if item.stop.pk not in seen:
            seen.add(item.stop.pk)
            stops.append(item.stop)
    return stops


# --- workshops -------------------------------------------------------------------------------


def public_workshop(operator: Operator, workshop_id: int) -> Workshop | None:
    """A workshop of the operator (cancelled or past ones too: their page says so)."""
    return (
        Workshop.objects.for_operator(operator)
        .select_related("stop__site", "topic")
        .filter(pk=workshop_id)
        .first()
    )


def seats_left(workshop: Workshop) -> int:
    return max(0, workshop.capacity - workshop.registrations.registered().count())
