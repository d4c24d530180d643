"""The demo's bookings (issue 13): appointments with partners at some stops, and collective
workshops (a CV workshop, the agglomeration's creative lab, the PLIE's « invisible » actions)
across the demo year, this year and the coming weeks.

The visits are not touched: the demo already records about 13 % of visits « sur rendez-vous »;
each becomes the honoured appointment it came from (`Appointment.visit`), so the demo's visit
figures do not change. Around them: some people excused, some no-shows, some cancellations.
The coming weeks' stops are open to booking (appointments and workshops) with free places, so
that the public booking can be tried. Rows are created in bulk; the random generator is the
demo's own for bookings (the other builders' draws, and so their figures, stay as they were).
"""

import datetime
import random
from dataclasses import dataclass, field

from django.utils import timezone

from allervers.bookings.enums import (
    AppointmentStatus,
    Attendance,
    BookingSource,
    RegistrationStatus,
)
from allervers.bookings.models import Appointment, AppointmentOpening, Registration, Workshop
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import PartnerPresence, Stop
from allervers.reception.enums import VisitMode
from allervers.reception.models import Topic, Visit, VisitPartner

from . import data
from .reception import FIRST_NAMES

# The partners who take appointments in the bus, with their slot's minutes (one desk each);
# elsewhere, the bus team.
BOOKABLE = {"france-travail": 30, "mission-locale": 45, "departement": 30}
TEAM_SLOT_MINUTES = 30
# Of the appointments kept (not cancelled), beside the honoured ones (the visits).
NO_SHOW_SHARE, EXCUSED_SHARE, CANCELLED_SHARE = 0.14, 0.07, 0.10
# The coming weeks open to booking, and the share of their slots already taken.
UPCOMING_DAYS = 42
UPCOMING_TAKEN = 0.3
# As the retention does after the appointment (ALLERVERS_BOOKING_CONTACT_DAYS, 30 by default):
# a past booking without a followed person no longer has its contact details.
CONTACT_DAYS = 30


@dataclass(frozen=True)
class Series:
    title: str
    topic: str  # its slug
    description: str
    every: int  # one held stop in `every`
    offset: int
    capacity: int
    minutes: int
    public: bool = True


SERIES = [
    Series(
        "Atelier CV",
        "emploi",
        "Écrire ou mettre à jour son CV, avec un conseiller, sur les postes du cyber@atelier.",
        every=5,
        offset=0,
        capacity=8,
        minutes=90,
    ),
    Series(
        "Creative lab de l'agglomération",
        "numerique",
        "Découvrir la fabrication numérique et les outils créatifs avec l'équipe du creative "
        "lab de la Communauté d'agglomération.",
        every=7,
        offset=3,
        capacity=6,
        minutes=120,
    ),
    Series(
        "Actions « invisibles » du PLIE",
        "emploi",
        "Rencontre collective pour les personnes éloignées de l'emploi qui ne sont suivies "
        "nulle part : se présenter, parler de son projet, sans engagement.",
        every=11,
        offset=6,
        capacity=10,
        minutes=90,
        public=False,  # on invitation: the team registers people
    ),
]


def remove_bookings(operator: Operator) -> None:
    """Delete the operator's bookings, children first (they PROTECT their stops)."""
    for model in (Registration, Workshop, Appointment, AppointmentOpening):
        model.objects.filter(operator=operator).delete()


def _aware(day: datetime.date, time: datetime.time) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _plus(time: datetime.time, minutes: int) -> datetime.time:
    return (datetime.datetime.combine(datetime.date(2000, 1, 1), time) + _minutes(minutes)).time()


def _minutes(minutes: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=minutes)


@dataclass
class _Opening:
    """An opening being planned, with its taken slots (one desk each)."""

    row: AppointmentOpening
    slots: list[datetime.time]
    taken: set[datetime.time] = field(default_factory=set)

    def take(self, wanted: datetime.time | None, rng: random.Random) -> datetime.time | None:
        """The latest free slot at or before `wanted` (someone arrives for their appointment),
        else the first after it; any free one when `wanted` is None; None when full."""
        free = [slot for slot in self.slots if slot not in self.taken]
        if not free:
            return None
        if wanted is None:
            chosen = rng.choice(free)
        else:
            before = [slot for slot in free if slot <= wanted]
            chosen = before[-1] if before else free[0]
        self.taken.add(chosen)
        return chosen


def _slots(start: datetime.time, end: datetime.time, minutes: int) -> list[datetime.time]:
    slots, slot = [], start
    while _plus(slot, minutes) <= end and _plus(slot, minutes) > slot:
        slots.append(slot)
        slot = _plus(slot, minutes)
    return slots


class _Contacts:
    """Who booked: a followed person, or a first name and a phone number (erased when past)."""

    def __init__(self, rng: random.Random, today: datetime.date):
        self.rng, self.today = rng, today

    def fields(self, day: datetime.date, person=None) -> dict:
        rng = self.rng
        source = rng.choice([BookingSource.PUBLIC, BookingSource.AGENT, BookingSource.AGENT])
        booked = _aware(day - datetime.timedelta(days=rng.randint(1, 20)), datetime.time(10))
        common = {"source": source, "created_at": booked, "contact_consent": True}
        if person is not None:
            return {**common, "person": person, "first_name": person.first_name}
        if day <= self.today - datetime.timedelta(days=CONTACT_DAYS):
            erased = _aware(day + datetime.timedelta(days=CONTACT_DAYS + 1), datetime.time(3, 30))
            return {**common, "contact_erased_at": erased}
        return {
            **common,
            "first_name": rng.choice(FIRST_NAMES),
            "phone": f"+336{rng.randrange(10**7, 10**8)}",
        }


def _openings(
    operator: Operator, stops: list[Stop], presences: dict[int, list[Partner]], user
) -> dict[tuple[int, int | None], _Opening]:
    """An opening for every bookable partner present at each stop (created in bulk)."""
    planned = {}
    for stop in stops:
        for partner in presences.get(stop.pk, []):
            minutes = BOOKABLE[partner.slug]
            planned[(stop.pk, partner.pk)] = _Opening(
                AppointmentOpening(
                    operator=operator,
                    stop=stop,
                    partner=partner,
                    start_time=stop.start_time,
                    end_time=stop.end_time,
                    slot_minutes=minutes,
                    desks=1,
                    public_booking=True,
                    created_by=user,
                ),
                _slots(stop.start_time, stop.end_time, minutes),
            )
    return planned


def _team_opening(operator: Operator, stop: Stop, user) -> _Opening:
    return _Opening(
        AppointmentOpening(
            operator=operator,
            stop=stop,
            partner=None,
            start_time=stop.start_time,
            end_time=stop.end_time,
            slot_minutes=TEAM_SLOT_MINUTES,
            desks=1,
            public_booking=True,
            created_by=user,
        ),
        _slots(stop.start_time, stop.end_time, TEAM_SLOT_MINUTES),
    )


def _appointment(opening: _Opening, start: datetime.time, status: str, **fields) -> Appointment:
    row = opening.row
    stop = row.stop
    changed = None
    if status != AppointmentStatus.BOOKED:
        changed = _aware(stop.date, stop.end_time)
        if status == AppointmentStatus.CANCELLED:
            changed = _aware(stop.date - datetime.timedelta(days=1), datetime.time(18))
    return Appointment(
        operator=row.operator,
        opening=row,
        start_time=start,
        end_time=_plus(start, row.slot_minutes),
        status=status,
        status_changed_at=changed,
        cancelled_at=changed if status == AppointmentStatus.CANCELLED else None,
        **fields,
    )


def _past_appointments(
    *,
    operator: Operator,
    stops: list[Stop],
    presences: dict[int, list[Partner]],
    user,
    contacts: _Contacts,
    rng: random.Random,
) -> tuple[list[_Opening], list[Appointment]]:
    """Each visit « sur rendez-vous » is its honoured appointment; around them, excused people,
    no-shows and cancellations in free slots."""
    openings = _openings(operator, stops, presences, user)
    by_stop: dict[int, list[_Opening]] = {}
    for (stop_id, _partner), opening in openings.items():
        by_stop.setdefault(stop_id, []).append(opening)
    visits = list(
        Visit.objects.for_operator(operator)
        .filter(stop__in=stops, mode=VisitMode.APPOINTMENT)
        .select_related("stop", "person")
        .order_by("arrived_at", "pk")
    )
    seen: dict[int, set[int]] = {}
    for visit_id, partner_id in VisitPartner.objects.filter(visit__in=visits).values_list(
        "visit_id", "partner_id"
    ):
        seen.setdefault(visit_id, set()).add(partner_id)
    appointments = []
    team: dict[int, _Opening] = {}
    for visit in visits:
        stop = visit.stop
        candidates = by_stop.get(stop.pk, [])
        met = [o for o in candidates if o.row.partner_id in seen.get(visit.pk, ())]
        chosen = met[0] if met else (rng.choice(candidates) if candidates else None)
        arrival = timezone.localtime(visit.arrived_at).time().replace(second=0, microsecond=0)
        start = chosen.take(arrival, rng) if chosen else None
        if start is None:
            if stop.pk not in team:
                team[stop.pk] = _team_opening(operator, stop, user)
            chosen = team[stop.pk]
            start = chosen.take(arrival, rng)
            if start is None:
                continue  # a full stop: this visit came without its appointment recorded
        fields = contacts.fields(stop.date, visit.person)
        appointments.append(
            _appointment(chosen, start, AppointmentStatus.HONOURED, visit=visit, **fields)
        )
    used = [opening for opening in [*openings.values(), *team.values()] if opening.taken]
    for opening in list(used):
        honoured = len(opening.taken)
        for status, share in (
            (AppointmentStatus.NO_SHOW, NO_SHOW_SHARE),
            (AppointmentStatus.EXCUSED, EXCUSED_SHARE),
            (AppointmentStatus.CANCELLED, CANCELLED_SHARE),
        ):
            for _ in range(sum(rng.random() < share for _ in range(honoured + 1))):
                start = opening.take(None, rng)
                if start is not None:
                    fields = contacts.fields(opening.row.stop.date)
                    appointments.append(_appointment(opening, start, status, **fields))
    return used, appointments


def _upcoming_appointments(
    *,
    operator: Operator,
    stops: list[Stop],
    presences: dict[int, list[Partner]],
    user,
    contacts: _Contacts,
    rng: random.Random,
) -> tuple[list[_Opening], list[Appointment]]:
    """The coming weeks: every bookable partner present opens its slots, the bus team one stop
    in two; about a third of the slots are taken, the rest free to book."""
    openings = list(_openings(operator, stops, presences, user).values())
    openings += [_team_opening(operator, stop, user) for stop in stops[::2]]
    appointments = []
    for opening in openings:
        for _ in range(round(len(opening.slots) * UPCOMING_TAKEN)):
            start = opening.take(None, rng)
            fields = contacts.fields(opening.row.stop.date)
            fields["created_at"] = min(fields["created_at"], timezone.now())
            appointments.append(_appointment(opening, start, AppointmentStatus.BOOKED, **fields))
    return openings, appointments


def _registrations(
    workshop: Workshop, *, past: bool, contacts: _Contacts, rng: random.Random
) -> list[Registration]:
    """The seats taken, the waiting list (promoted when someone cancelled), the attendance."""
    capacity = workshop.capacity
    day = workshop.stop.date
    if past:
        demand = rng.randint(capacity - 3, capacity + 3)
    else:  # free seats to try the booking, but the first one of a series is full
        demand = capacity + 2 if workshop.demo_full else rng.randint(1, max(1, capacity - 3))
    rows = sorted(
        (
            Registration(operator=workshop.operator, workshop=workshop, **contacts.fields(day))
            for _ in range(demand)
        ),
        key=lambda row: row.created_at,
    )
    for position, row in enumerate(rows):  # first come, first seated
        row.status = (
            RegistrationStatus.REGISTERED if position < capacity else RegistrationStatus.WAITING
        )
    registered = [row for row in rows if row.status == RegistrationStatus.REGISTERED]
    waiting = [row for row in rows if row.status == RegistrationStatus.WAITING]
    for _ in range(rng.choice([0, 0, 1, 2]) if past else 0):
        leaving = registered.pop(rng.randrange(len(registered)))
        leaving.status = RegistrationStatus.CANCELLED
        leaving.cancelled_at = _aware(day - datetime.timedelta(days=1), datetime.time(18))
        if waiting:
            promoted = waiting.pop(0)
            promoted.status = RegistrationStatus.REGISTERED
            promoted.promoted_at = leaving.cancelled_at
            registered.append(promoted)
    if past:
        for row in registered:
            row.attendance = Attendance.PRESENT if rng.random() < 0.82 else Attendance.ABSENT
    if not past:
        now = timezone.now()
        for row in rows:
            row.created_at = min(row.created_at, now)
    return rows


def _workshops(
    *,
    operator: Operator,
    stops: list[Stop],
    today: datetime.date,
    topics: dict[str, Topic],
    user,
    contacts: _Contacts,
    rng: random.Random,
) -> tuple[list[Workshop], list[Registration]]:
    workshops = []
    first_upcoming: set[str] = set()
    for index, stop in enumerate(stops):
        for series in SERIES:
            if index % series.every != series.offset:
                continue
            end = min(_plus(stop.start_time, series.minutes), stop.end_time)
            workshop = Workshop(
                operator=operator,
                stop=stop,
                title=series.title,
                topic=topics.get(series.topic),
                description=series.description,
                start_time=stop.start_time,
                end_time=end,
                capacity=series.capacity,
                public_registration=series.public,
                created_by=user,
            )
            upcoming = stop.date > today
            workshop.demo_full = upcoming and series.title not in first_upcoming
            if upcoming:
                first_upcoming.add(series.title)
            elif rng.random() < 0.04:  # called off (the speaker was ill)
                workshop.cancelled_at = _aware(
                    stop.date - datetime.timedelta(days=2), datetime.time(9)
                )
            workshops.append(workshop)
    Workshop.objects.bulk_create(workshops)
    registrations = [
        row
        for workshop in workshops
        if workshop.cancelled_at is None
        for row in _registrations(
            workshop, past=workshop.stop.date <= today, contacts=contacts, rng=rng
        )
    ]
    return workshops, registrations


def build_bookings(*, operator: Operator, users: dict) -> None:
    """Appointments and workshops from the demo year's first stop to the coming weeks."""
    rng = random.Random(f"{data.RANDOM_SEED}:bookings")
    today = timezone.localdate()
    agent = users["agent.accueil"]
    held = list(
        Stop.objects.for_operator(operator)
        .held()
        .filter(
            date__gte=datetime.date(today.year - 1, 1, 1),
            date__lte=today + datetime.timedelta(days=UPCOMING_DAYS),
        )
        .select_related("site")
        .order_by("date", "start_time", "pk")
    )
    presences: dict[int, list[Partner]] = {}
    for presence in (
        PartnerPresence.objects.for_operator(operator)
        .filter(stop__in=held, partner__slug__in=BOOKABLE)
        .select_related("partner")
        .order_by("stop_id", "partner__name")
    ):
        presences.setdefault(presence.stop_id, []).append(presence.partner)
    contacts = _Contacts(rng, today)
    past = [stop for stop in held if stop.date < today]
    upcoming = [stop for stop in held if stop.date > today]
    past_openings, past_appointments = _past_appointments(
        operator=operator,
        stops=past,
        presences=presences,
        user=agent,
        contacts=contacts,
        rng=rng,
    )
    coming_openings, coming_appointments = _upcoming_appointments(
        operator=operator,
        stops=upcoming,
        presences=presences,
        user=agent,
        contacts=contacts,
        rng=rng,
    )
    AppointmentOpening.objects.bulk_create(
        opening.row for opening in [*past_openings, *coming_openings]
    )
    for appointment in [*past_appointments, *coming_appointments]:
        appointment.opening_id = appointment.opening.pk  # saved just now
    Appointment.objects.bulk_create([*past_appointments, *coming_appointments])
    topics = {topic.slug: topic for topic in Topic.objects.for_operator(operator)}
    _workshops_made, registrations = _workshops(
        operator=operator,
        stops=[stop for stop in held if stop.date != today],
        today=today,
        topics=topics,
        user=agent,
        contacts=contacts,
        rng=rng,
    )
    Registration.objects.bulk_create(registrations)
