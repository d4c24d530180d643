"""Reads of the planning that shape it for the screens: calendar grids, partner coverage, staff
rota. (The chainable reads of one model are its QuerySet methods, in `models.py`.)

Each function runs a fixed number of queries, whatever the number of stops.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet

from allervers.operators.enums import Role
from allervers.operators.models import Membership
from allervers.partners.models import Partner

from .enums import SpaceKind, StopStatus
from .models import Space, Stop, Vehicle

DEFAULT_OFFICE_CAPACITY = 4
MIN_AGENTS = 2
PARTNER_ABSENCE_DAYS = 30


def month_bounds(month: datetime.date) -> tuple[datetime.date, datetime.date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    stops: list[Stop] = field(default_factory=list)


def month_weeks(month: datetime.date, stops: list[Stop]) -> list[list[Day]]:
    """The weeks (Monday first) that cover `month`, each day with its stops."""
    by_day: dict[datetime.date, list[Stop]] = {}
    for stop in stops:
        by_day.setdefault(stop.date, []).append(stop)
    first, last = month_bounds(month)
    day = first - datetime.timedelta(days=first.weekday())
    weeks = []
    while day <= last:
        week = []
        for _ in range(7):
            week.append(Day(day, day.month == first.month, by_day.get(day, [])))
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return weeks


def week_days(monday: datetime.date, stops: list[Stop]) -> list[Day]:
    by_day: dict[datetime.date, list[Stop]] = {}
    for stop in stops:
        by_day.setdefault(stop.date, []).append(stop)
    days = [monday + datetime.timedelta(days=offset) for offset in range(7)]
    return [Day(day, True, by_day.get(day, [])) for day in days]


def office_capacities(operator) -> dict[int, int]:
    """Office places per vehicle (4 when the vehicle has no office space recorded)."""
    return dict(
        Space.objects.for_operator(operator)
        .filter(kind=SpaceKind.OFFICE)
        .values_list("vehicle_id", "capacity")
    )


def peak_presence(stop: Stop) -> int:
    """The most partners present at the same moment during the stop."""
    events = []
    for presence in stop.presences.all():
        events.append((presence.start_time or stop.start_time, 1))
        events.append((presence.end_time or stop.end_time, -1))
    peak = current = 0
    for _, step in sorted(events, key=lambda event: (event[0], event[1])):
        current += step
        peak = max(peak, current)
    return peak


@dataclass
class StopWarning:
    stop: Stop
    message: str


@dataclass
class PartnerCoverage:
    partner: Partner
    presences: int
    last_date: datetime.date | None
    absent: bool


@dataclass
class Coverage:
    month: datetime.date
    stops: list[Stop]
    partners: list[PartnerCoverage]
    stop_warnings: list[StopWarning]

    @property
    def absent_partners(self) -> list[PartnerCoverage]:
        return [row for row in self.partners if row.absent]


def month_coverage(operator, month: datetime.date, stops: QuerySet) -> Coverage:
    """How often each partner comes in `month`, and what needs attention.

    Warnings: a held stop with no partner; more partners at once than the office has places;
    a partner with no presence on a held stop in the 30 days up to the end of the month."""
    first, last = month_bounds(month)
    month_stops = list(stops.held().between(first, last).with_details())
    capacities = office_capacities(operator)
    warnings = []
    for stop in month_stops:
        present = len(stop.presences.all())
        capacity = capacities.get(stop.vehicle_id, DEFAULT_OFFICE_CAPACITY)
        if present == 0:
            warnings.append(StopWarning(stop, "Aucun partenaire prévu."))
        elif (peak := peak_presence(stop)) > capacity:
            warnings.append(
                StopWarning(
                    stop,
                    f"{peak} partenaires en même temps pour {capacity} places dans le bureau.",
                )
            )
    held_in_month = Q(
        presences__stop__status=StopStatus.HELD,
        presences__stop__date__gte=first,
        presences__stop__date__lte=last,
    )
    held_until_end = Q(presences__stop__status=StopStatus.HELD, presences__stop__date__lte=last)
    absence_start = last - datetime.timedelta(days=PARTNER_ABSENCE_DAYS)
    partners = [
        PartnerCoverage(
            partner=partner,
            presences=partner.month_presences,
            last_date=partner.last_date,
            absent=partner.last_date is None or partner.last_date < absence_start,
        )
        for partner in Partner.objects.for_operator(operator)
        .active()
        .annotate(
            month_presences=Count("presences", filter=held_in_month),
            last_date=Max("presences__stop__date", filter=held_until_end),
        )
        .order_by("name")
    ]
    return Coverage(month=first, stops=month_stops, partners=partners, stop_warnings=warnings)


@dataclass
class RotaRow:
    stop: Stop
    assignments: list
    short: bool


def month_rota(month: datetime.date, stops: QuerySet) -> list[RotaRow]:
    first, last = month_bounds(month)
    rows = []
    for stop in stops.held().between(first, last).with_details():
        assignments = list(stop.staff_assignments.all())
        rows.append(RotaRow(stop, assignments, len(assignments) < MIN_AGENTS))
    return rows


def partners_without_address(stop: Stop) -> list[Partner]:
    """The partners present at `stop` that a planning notice cannot reach: no contact address,
    and no active login of theirs with an e-mail address. One query."""
    reachable_login = Membership.objects.filter(
        operator_id=stop.operator_id, role=Role.PARTNER, partner=OuterRef("pk"), is_active=True
    ).exclude(user__email="")
    return list(
        Partner.objects.filter(presences__stop=stop, notice_emails="")
        .exclude(Exists(reachable_login))
        .order_by("name")
    )


def vehicles_with_spaces(operator) -> QuerySet:
    """The operator's vehicles, in service first, each with its spaces (two queries)."""
    return (
        Vehicle.objects.for_operator(operator)
        .prefetch_related("spaces")
        .order_by("is_archived", "name")
    )
