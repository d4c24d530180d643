"""Reads of the planning that shape it for the screens: calendar grids, partner coverage, staff
rota. (The chainable reads of one model are its QuerySet methods, in `models.py`.)

Each function runs a fixed number of queries, whatever the number of stops.
"""

import calendar
import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.partners.models import Partner

from .enums import DEFAULT_OFFICE_CAPACITY, SpaceKind, StopStatus
from .models import Space, Stop, Vehicle

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
    about_agents: bool = False  # not shown to partners (they see no agent's name)

    @property
    def monday(self) -> datetime.date:
        return self.stop.date - datetime.timedelta(days=self.stop.date.weekday())

    @property
    def action(self) -> tuple[str, str]:
        """The one action that fixes the line: a gap of a pattern's stop is filled in the
        pattern's rota; anything else (a conflict, a stop outside a pattern) on the stop."""
        if self.stop.pattern_id and self.message in (NO_PARTNER, NO_AGENT):
            return (
                reverse("planning:pattern_detail", kwargs={"pattern_id": self.stop.pattern_id}),
                "Ouvrir l'équipe du rythme",
            )
        return (
            reverse("planning:stop_detail", kwargs={"stop_id": self.stop.pk}),
            "Ouvrir la permanence",
        )


@dataclass
class PartnerCoverage:
    partner: Partner
    presences: int
    last_date: datetime.date | None
    absent: bool


@dataclass
class PatternCoverage:
    """A pattern's held stops of the month, and how many lack partners or agents."""

    pattern: object
    stops: int = 0
    without_partner: int = 0
    without_agent: int = 0

    @property
    def gaps(self) -> bool:
        return bool(self.without_partner or self.without_agent)


@dataclass
class Coverage:
    month: datetime.date
    stops: list[Stop]
    partners: list[PartnerCoverage]
    stop_warnings: list[StopWarning]
    patterns: list[PatternCoverage] = field(default_factory=list)

    @property
    def absent_partners(self) -> list[PartnerCoverage]:
        return [row for row in self.partners if row.absent]


NO_PARTNER = "Aucun partenaire prévu."
NO_AGENT = "Aucun agent prévu."


def _hours(row, stop: Stop) -> tuple[datetime.time, datetime.time]:
    return getattr(row, "start_time", None) or stop.start_time, getattr(
        row, "end_time", None
    ) or stop.end_time


def _conflicts(stops: list[Stop]) -> list[StopWarning]:
    """An agent on two stops at once; a partner at two stops (two sites, or two vehicles) at
    the same hour. Each pair is told on both stops."""
    warnings = []
    by_day: dict[datetime.date, list[Stop]] = {}
    for stop in stops:
        by_day.setdefault(stop.date, []).append(stop)
    for day_stops in by_day.values():
        for stop in day_stops:
            for other in day_stops:
                if other.pk == stop.pk:
                    continue
                if not (other.start_time < stop.end_time and stop.start_time < other.end_time):
                    continue
                others_agents = {a.user_id for a in other.staff_assignments.all()}
                for assignment in stop.staff_assignments.all():
                    if assignment.user_id in others_agents:
                        name = assignment.user.get_full_name() or assignment.user.email
                        warnings.append(
                            StopWarning(
                                stop,
                                f"{name} est aussi désigné à {other.site.name} "
                                f"({other.start_time:%H:%M}–{other.end_time:%H:%M}) : "
                                "un agent ne peut pas être sur deux permanences à la fois.",
                                about_agents=True,
                            )
                        )
                others_partners = {p.partner_id: p for p in other.presences.all()}
                for presence in stop.presences.all():
                    theirs = others_partners.get(presence.partner_id)
                    if theirs is None:
                        continue
                    start, end = _hours(presence, stop)
                    other_start, other_end = _hours(theirs, other)
                    if other_start < end and start < other_end:
                        warnings.append(
                            StopWarning(
                                stop,
                                f"{presence.partner.name} est aussi prévu à {other.site.name} "
                                f"de {other_start:%H:%M} à {other_end:%H:%M} : deux endroits "
                                "à la même heure.",
                            )
                        )
    return warnings


def month_coverage(operator, month: datetime.date, stops: QuerySet) -> Coverage:
    """How often each partner comes in `month`, and what needs attention.

    Warnings: a held stop with no partner, or with no agent; more partners at once than the
    office has places; an agent on two stops at once, a partner at two sites at the same hour;
    a partner with no presence on a held stop in the 30 days up to the end of the month. Per
    pattern: its stops of the month, and how many lack partners or agents."""
    first, last = month_bounds(month)
    month_stops = list(stops.held().between(first, last).with_details().select_related("pattern"))
    capacities = office_capacities(operator)
    warnings = []
    patterns: dict[int, PatternCoverage] = {}
    for stop in month_stops:
        present = len(stop.presences.all())
        agents = len(stop.staff_assignments.all())
        capacity = capacities.get(stop.vehicle_id, DEFAULT_OFFICE_CAPACITY)
        if present == 0:
            warnings.append(StopWarning(stop, NO_PARTNER))
        elif (peak := peak_presence(stop)) > capacity:
            warnings.append(
                StopWarning(
                    stop,
                    f"{peak} partenaires en même temps pour {capacity} places dans le bureau.",
                )
            )
        if agents == 0:
            warnings.append(StopWarning(stop, NO_AGENT, about_agents=True))
        if stop.pattern_id:
            row = patterns.setdefault(stop.pattern_id, PatternCoverage(stop.pattern))
            row.stops += 1
            row.without_partner += present == 0
            row.without_agent += agents == 0
    warnings += _conflicts(month_stops)
    warnings.sort(key=lambda warning: (warning.stop.date, warning.stop.start_time))
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
    return Coverage(
        month=first,
        stops=month_stops,
        partners=partners,
        stop_warnings=warnings,
        patterns=sorted(patterns.values(), key=lambda row: str(row.pattern)),
    )


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
