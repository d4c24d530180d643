"""Reads of the reception log: what the views and the export show, scoped to one operator.

Every function takes the operator and returns a QuerySet (or a value computed in SQL) that does
its own `select_related` / `prefetch_related`. Writes live in `reception/services/`.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Space, Stop

from .models import CyberUsage, Person, PersonConsent, Referral, Topic, Visit

# How far back the visit form offers held stops (older visits come through the import).
RECENT_STOPS_DAYS = 60


def recent_stops(operator: Operator, today: datetime.date) -> list[Stop]:
    """The held stops of the last `RECENT_STOPS_DAYS` days, latest first (the visit form)."""
    return list(
        Stop.objects.for_operator(operator)
        .held()
        .between(today - datetime.timedelta(days=RECENT_STOPS_DAYS), today)
        .select_related("site")
        .order_by("-date", "-start_time")
    )


def todays_stops(operator: Operator, day: datetime.date) -> list[Stop]:
    return list(
        Stop.objects.for_operator(operator)
        .held()
        .filter(date=day)
        .select_related("site")
        .order_by("start_time")
    )


def visits_of_day(operator: Operator, day: datetime.date) -> QuerySet:
    return (
        Visit.objects.for_operator(operator)
        .on_date(day)
        .select_related("stop__site")
        .prefetch_related("topics")
        .order_by("arrived_at")
    )


# Today's page shows at most this many visits, whatever the day holds: the oldest arrivals still
# in the bus, and the latest departures; counts say how many more the visit list holds.
IN_BUS_SHOWN = 60
LEFT_SHOWN = 10


@dataclass
class StopBoard:
    """One stop of today's page: counts, and the bounded lists of visits shown."""

    stop: Stop
    in_bus_count: int = 0
    left_count: int = 0
    in_bus: list = field(default_factory=list)
    left: list = field(default_factory=list)

    @property
    def in_bus_more(self) -> int:
        return self.in_bus_count - len(self.in_bus)

    @property
    def left_more(self) -> int:
        return self.left_count - len(self.left)


def day_board(operator: Operator, day: datetime.date, stops: list[Stop]) -> list[StopBoard]:
    """Today's visits by stop in a fixed number of queries and a bounded number of rows."""
    boards = {stop.pk: StopBoard(stop) for stop in stops}
    day_visits = Visit.objects.for_operator(operator).on_date(day).filter(stop__in=stops)
    for row in (
        day_visits.order_by()
        .values("stop_id")
        .annotate(
            in_bus=Count("pk", filter=Q(left_at__isnull=True)),
            left=Count("pk", filter=Q(left_at__isnull=False)),
        )
    ):
        boards[row["stop_id"]].in_bus_count = row["in_bus"]
        boards[row["stop_id"]].left_count = row["left"]
    shown = visits_of_day(operator, day).filter(stop__in=stops)
    for visit in shown.filter(left_at__isnull=True)[:IN_BUS_SHOWN]:
        boards[visit.stop_id].in_bus.append(visit)
    for visit in shown.filter(left_at__isnull=False).order_by("-left_at")[:LEFT_SHOWN]:
        boards[visit.stop_id].left.insert(0, visit)
    return list(boards.values())


def cyber_usages_by_stop(operator: Operator, stops: list[Stop]) -> dict[int, CyberUsage]:
    return {u.stop_id: u for u in CyberUsage.objects.for_operator(operator).filter(stop__in=stops)}


def visits_between(
    operator: Operator, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    """The operator's visits at stops from `start` to `end` (either may be open)."""
    visits = Visit.objects.for_operator(operator)
    if start:
        visits = visits.filter(stop__date__gte=start)
    if end:
        visits = visits.filter(stop__date__lte=end)
    return visits


def visits_for_list(
    operator: Operator, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    """The visit list, latest first."""
    return (
        visits_between(operator, start, end)
        .select_related("stop__site", "person")
        .prefetch_related("topics")
        .order_by("-arrived_at", "-pk")
    )


def visits_for_export(
    operator: Operator, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet:
    """The export's visits, oldest first, with what each row shows."""
    return (
        visits_between(operator, start, end)
        .select_related("stop__site")
        .prefetch_related("topics", "partners_seen")
        .order_by("arrived_at", "pk")
    )


def visit_detail(operator: Operator) -> QuerySet:
    """Visits with everything their page shows (history included)."""
    return (
        Visit.objects.for_operator(operator).with_details().prefetch_related("changes__changed_by")
    )


def people_matching(operator: Operator, query: str, limit: int) -> list[Person]:
    """The people whose name matches `query`, with their number of visits."""
    return list(
        Person.objects.for_operator(operator)
        .matching(query)
        .annotate(visit_count=Count("visits"))
        .order_by("last_name", "first_name")[:limit]
    )


def visits_of_person(person: Person) -> list[Visit]:
    return list(
        person.visits.select_related("stop__site")
        .prefetch_related("topics")
        .order_by("-arrived_at")
    )


def _latest(rows: QuerySet, link: str, field: str) -> Subquery:
    """The latest `field` of `rows` whose `link` is the outer person (NULL when none)."""
    return Subquery(
        rows.filter(**{link: OuterRef("pk")})
        .order_by()
        .values(link)
        .annotate(latest=Max(field))
        .values("latest"),
        output_field=DateTimeField(),
    )


def persons_with_last_contact(operator: Operator) -> QuerySet:
    """The operator's people, each with `last_contact` (the latest of: the record's creation, a
    visit's arrival, a referral's status change, a consent recorded or withdrawn) and
    `consents_in_force` (whether any consent is not withdrawn). Computed in SQL, one query."""
    created = F("created_at")
    latest = [
        _latest(Visit.objects.all(), "person", "arrived_at"),
        _latest(Referral.objects.all(), "visit__person", "status_changed_at"),
        _latest(PersonConsent.objects.all(), "person", "recorded_at"),
        _latest(PersonConsent.objects.all(), "person", "withdrawn_at"),
    ]
    return Person.objects.for_operator(operator).annotate(
        # Greatest is NULL on SQLite when any argument is: each falls back on the creation.
        last_contact=Greatest(
            created, *(Coalesce(each, created) for each in latest), output_field=DateTimeField()
        ),
        consents_in_force=Exists(PersonConsent.objects.active().filter(person=OuterRef("pk"))),
    )


def consents_of_person(person: Person) -> list[PersonConsent]:
    """Every consent of the person, in force or withdrawn, in the order they were recorded."""
    return list(person.consents.select_related("recorded_by", "withdrawn_by"))


def referrals_of_person(operator: Operator, person: Person) -> QuerySet:
    return (
        Referral.objects.for_operator(operator)
        .filter(visit__person=person)
        .select_related("partner", "visit__stop")
        .order_by("-proposed_at")
    )


def referrals_for(operator: Operator, partner: Partner | None = None) -> QuerySet:
    """The operator's referrals; for a partner user, only those addressed to its partner."""
    referrals = Referral.objects.for_operator(operator)
    return referrals.for_partner(partner) if partner is not None else referrals


def referral_counts(referrals: QuerySet) -> dict[str, int]:
    """How many of `referrals` have each status."""
    return dict(referrals.values_list("status").annotate(n=Count("pk")).order_by())


def overdue_referral_count(operator: Operator, now: datetime.datetime) -> int:
    return (
        Referral.objects.for_operator(operator)
        .overdue(now=now, days=operator.referral_overdue_days)
        .count()
    )


def cyber_seats(operator: Operator, stop: Stop) -> int | None:
    """The cyber-atelier's seats of the stop's vehicle (None when it has no such space)."""
    return (
        Space.objects.for_operator(operator)
        .filter(vehicle=stop.vehicle, kind=SpaceKind.CYBER)
        .values_list("capacity", flat=True)
        .first()
    )


def cyber_visit_count(operator: Operator, stop: Stop) -> int:
    return Visit.objects.for_operator(operator).filter(stop=stop, cyber_used=True).count()


def topics_with_visit_counts(operator: Operator) -> QuerySet:
    return (
        Topic.objects.for_operator(operator)
        .annotate(visit_count=Count("visits"))
        .order_by("is_archived", "position", "name")
    )
