"""The figures of a report, computed by SQL aggregation.

Every figure comes from `aggregate()` / grouped `annotate()` with conditional counts: the number
of queries is fixed (about twenty) whatever the amount of data, and no Python code loops over
visits. The result is a plain, JSON-ready dict of counts (and a few minutes/days as floats): the
same dict is stored when a year is closed, and every rendering (page, PDF, XLSX, CSV) reads it.

A visit belongs to the date of its stop (`Stop.date`, a local date), so that a visit at 23:30 on
31 December, Paris time, is counted in that year whatever UTC says.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import ExtractMonth, ExtractYear

from allervers.partners.models import Partner
from allervers.planning.enums import SpaceKind, StopStatus
from allervers.planning.models import EVENING_START, PartnerPresence, Space, Stop
from allervers.reception.enums import (
    AgeBand,
    Gender,
    HeardFrom,
    Outcome,
    ReferralStatus,
    Situation,
    VisitMode,
    YesNoUnknown,
)
from allervers.reception.models import CyberUsage, Referral, Visit, VisitPartner, VisitTopic

from .periods import Period

VISIT_DURATION = ExpressionWrapper(F("left_at") - F("arrived_at"), output_field=DurationField())
REFERRAL_DELAY = ExpressionWrapper(
    F("taken_up_at") - F("proposed_at"), output_field=DurationField()
)

# Single-choice answers of a visit, each broken down with its "non renseigné" value included.
BREAKDOWNS: dict[str, tuple[str, type]] = {
    "gender": ("gender", Gender),
    "lives_in_area": ("lives_in_area", YesNoUnknown),
    "mode": ("mode", VisitMode),
    "first_visit": ("is_first_visit", YesNoUnknown),
    "age_band": ("age_band", AgeBand),
    "situation": ("situation", Situation),
    "heard_from": ("heard_from", HeardFrom),
    "outcome": ("outcome", Outcome),
}


@dataclass(frozen=True)
class Scope:
    """What a report covers: one operator, a period, optionally one site and one partner."""

    operator_id: int
    period: Period
    today: datetime.date
    site_id: int | None = None
    partner_id: int | None = None

    def before(self) -> "Scope":
        return Scope(
            self.operator_id, self.period.previous(), self.today, self.site_id, self.partner_id
        )


# --- the rows each figure counts ------------------------------------------------------------


def scoped_stops(scope: Scope) -> QuerySet:
    stops = Stop.objects.for_operator(scope.operator_id).between(
        scope.period.start, scope.period.end
    )
    if scope.site_id:
        stops = stops.filter(site_id=scope.site_id)
    if scope.partner_id:
        stops = stops.filter(
            Exists(PartnerPresence.objects.filter(stop=OuterRef("pk"), partner_id=scope.partner_id))
        )
    return stops


def scoped_visits(scope: Scope) -> QuerySet:
    """Visits at the stops of the period; with a partner, the visits where it was seen."""
    # The stop's operator too: the planner then walks the stops of the period through their
    # (operator, date) index, and their visits through the (operator, stop) one.
    visits = (
        Visit.objects.for_operator(scope.operator_id)
        .filter(stop__operator_id=scope.operator_id)
        .between(scope.period.start, scope.period.end)
    )
    if scope.site_id:
        visits = visits.filter(stop__site_id=scope.site_id)
    if scope.partner_id:
        visits = visits.filter(
            Exists(VisitPartner.objects.filter(visit=OuterRef("pk"), partner_id=scope.partner_id))
        )
    return visits


def scoped_referrals(scope: Scope) -> QuerySet:
    """Referrals made during the visits of the period; with a partner, those it received."""
    referrals = Referral.objects.for_operator(scope.operator_id).filter(
        visit__operator_id=scope.operator_id,
        visit__stop__operator_id=scope.operator_id,
        visit__stop__date__gte=scope.period.start,
        visit__stop__date__lte=scope.period.end,
    )
    if scope.site_id:
        referrals = referrals.filter(visit__stop__site_id=scope.site_id)
    if scope.partner_id:
        referrals = referrals.filter(partner_id=scope.partner_id)
    return referrals


# --- measures ------------------------------------------------------------------------------


def _stop_measures(scope: Scope) -> dict:
    held = Q(status=StopStatus.HELD, date__lte=scope.today)
    return {
        "held": Count("pk", filter=held),
        "cancelled": Count("pk", filter=Q(status=StopStatus.CANCELLED)),
        "evening_held": Count("pk", filter=held & Q(start_time__gte=EVENING_START)),
    }


def _visit_measures() -> dict:
    known = {
        "gender_known": ~Q(gender=Gender.UNKNOWN),
        "area_known": ~Q(lives_in_area=YesNoUnknown.UNKNOWN),
        "mode_known": ~Q(mode=VisitMode.UNKNOWN),
        "first_known": ~Q(is_first_visit=YesNoUnknown.UNKNOWN),
    }
    return {
        "visits": Count("pk"),
        "named_people": Count("person", distinct=True),
        "anonymous_first": Count(
            "pk", filter=Q(person__isnull=True, is_first_visit=YesNoUnknown.YES)
        ),
        "with_duration": Count("pk", filter=Q(left_at__isnull=False)),
        "duration_mean": Avg(VISIT_DURATION, filter=Q(left_at__isnull=False)),
        "women": Count("pk", filter=Q(gender=Gender.FEMALE)),
        "in_area": Count("pk", filter=Q(lives_in_area=YesNoUnknown.YES)),
        "walk_in": Count("pk", filter=Q(mode=VisitMode.WALK_IN)),
        "first": Count("pk", filter=Q(is_first_visit=YesNoUnknown.YES)),
        "cyber_used": Count("pk", filter=Q(cyber_used=True)),
        "evening": Count("pk", filter=Q(stop__start_time__gte=EVENING_START)),
        **{name: Count("pk", filter=condition) for name, condition in known.items()},
    }


def _referral_measures() -> dict:
    measures = {"total": Count("pk")}
    for status in ReferralStatus:
        measures[status.value] = Count("pk", filter=Q(status=status))
    return measures


def _minutes(duration: datetime.timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 60, 2)


def _days(duration: datetime.timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 86400, 2)


def _median(queryset: QuerySet, expression, count: int) -> datetime.timedelta | None:
    """The median of `expression` over `count` rows, in one query that returns one or two values
    (ORDER BY ... LIMIT 1 or 2 OFFSET (count - 1) / 2): portable to SQLite and PostgreSQL."""
    if not count:
        return None
    offset = (count - 1) // 2
    middle = list(
        queryset.annotate(measure=expression)
        .order_by("measure")
        .values_list("measure", flat=True)[offset : offset + (1 if count % 2 else 2)]
    )
    if not middle:
        return None
    return sum(middle, datetime.timedelta()) / len(middle)


def _clean_visit_row(row: dict) -> dict:
    row = dict(row)
    row["duration_mean"] = _minutes(row["duration_mean"])
    row["people"] = row["named_people"] + row["anonymous_first"]
    return row


# --- the report ---------------------------------------------------------------------------


def core_figures(scope: Scope) -> dict:
    """The key figures of a scope: stops, visits, referrals (five queries)."""
    stops = scoped_stops(scope).aggregate(
        **_stop_measures(scope),
        sites_used=Count(
            "site", distinct=True, filter=Q(status=StopStatus.HELD, date__lte=scope.today)
        ),
    )
    visits_qs = scoped_visits(scope)
    breakdown_counts = {
        f"b_{name}_{index}": Count("pk", filter=Q(**{field: value}))
        for name, (field, choices) in BREAKDOWNS.items()
        for index, value in enumerate(choices.values)
    }
    visits = visits_qs.aggregate(
        **_visit_measures(),
        **breakdown_counts,
        without_topic=Count("pk", filter=~Exists(VisitTopic.objects.filter(visit=OuterRef("pk")))),
    )
    breakdowns = {
        name: [
            [value, label, visits.pop(f"b_{name}_{index}")]
            for index, (value, label) in enumerate(choices.choices)
        ]
        for name, (field, choices) in BREAKDOWNS.items()
    }
    visits = _clean_visit_row(visits)
    visits["duration_median"] = _minutes(
        _median(visits_qs.filter(left_at__isnull=False), VISIT_DURATION, visits["with_duration"])
    )
    referrals_qs = scoped_referrals(scope)
    referrals = referrals_qs.aggregate(**_referral_measures())
    referrals["delay_median_days"] = _days(
        _median(
            referrals_qs.filter(status=ReferralStatus.TAKEN_UP, taken_up_at__isnull=False),
            REFERRAL_DELAY,
            referrals[ReferralStatus.TAKEN_UP.value],
        )
    )
    return {"stops": stops, "visits": visits, "breakdowns": breakdowns, "referrals": referrals}


def _by_group(scope: Scope, stop_key: dict, visit_key: dict, referral_key: dict) -> dict:
    """Stops, visits and referrals grouped by the same key (three grouped queries)."""
    groups: dict = {}

    def slot(key) -> dict:
        return groups.setdefault(key, {})

    stops = scoped_stops(scope).values(**stop_key).annotate(**_stop_measures(scope)).order_by()
    for row in stops:
        key = tuple(row.pop(name) for name in stop_key)
        slot(key).update(row)
    visits = scoped_visits(scope).values(**visit_key).annotate(**_visit_measures()).order_by()
    for row in visits:
        key = tuple(row.pop(name) for name in visit_key)
        slot(key).update(_clean_visit_row(row))
    referrals = (
        scoped_referrals(scope)
        .values(**referral_key)
        .annotate(
            referrals=Count("pk"),
            taken_up=Count("pk", filter=Q(status=ReferralStatus.TAKEN_UP)),
        )
        .order_by()
    )
    for row in referrals:
        key = tuple(row.pop(name) for name in referral_key)
        slot(key).update(row)
    return groups


GROUP_FIELDS = {
    "held": 0,
    "cancelled": 0,
    "evening_held": 0,
    "visits": 0,
    "people": 0,
    "named_people": 0,
    "anonymous_first": 0,
    "with_duration": 0,
    "duration_mean": None,
    "women": 0,
    "gender_known": 0,
    "in_area": 0,
    "area_known": 0,
    "walk_in": 0,
    "mode_known": 0,
    "first": 0,
    "first_known": 0,
    "cyber_used": 0,
    "evening": 0,
    "referrals": 0,
    "taken_up": 0,
}


def _complete(row: dict) -> dict:
    return {name: row.get(name, default) for name, default in GROUP_FIELDS.items()}


def _by_site(scope: Scope) -> list[dict]:
    groups = _by_group(
        scope,
        {"g_id": F("site_id"), "g_name": F("site__name")},
        {"g_id": F("stop__site_id"), "g_name": F("stop__site__name")},
        {"g_id": F("visit__stop__site_id"), "g_name": F("visit__stop__site__name")},
    )
    rows = [{"site_id": key[0], "name": key[1], **_complete(row)} for key, row in groups.items()]
    return sorted(rows, key=lambda row: row["name"])


def _by_month(scope: Scope) -> list[dict]:
    groups = _by_group(
        scope,
        {"g_year": ExtractYear("date"), "g_month": ExtractMonth("date")},
        {"g_year": ExtractYear("stop__date"), "g_month": ExtractMonth("stop__date")},
        {"g_year": ExtractYear("visit__stop__date"), "g_month": ExtractMonth("visit__stop__date")},
    )
    return [
        {"year": year, "month": month, **_complete(groups.get((year, month), {}))}
        for year, month in scope.period.months()
    ]


def _topics(scope: Scope) -> list[dict]:
    rows = (
        VisitTopic.objects.for_operator(scope.operator_id)
        .filter(visit__in=scoped_visits(scope).values("pk"))
        .values("topic_id", "topic__name", "topic__position")
        .annotate(count=Count("visit", distinct=True))
        .order_by("-count", "topic__position", "topic__name")
    )
    return [{"name": row["topic__name"], "count": row["count"]} for row in rows]


def _partners(scope: Scope) -> list[dict]:
    """Each partner's presences, visits where seen, referrals received and taken up."""
    partners = Partner.objects.for_operator(scope.operator_id)
    presences = PartnerPresence.objects.for_operator(scope.operator_id).filter(
        stop__in=scoped_stops(scope).filter(status=StopStatus.HELD, date__lte=scope.today)
    )
    seen = VisitPartner.objects.for_operator(scope.operator_id).filter(
        visit__in=scoped_visits(scope).values("pk")
    )
    if scope.partner_id:
        partners = partners.filter(pk=scope.partner_id)
        presences = presences.filter(partner_id=scope.partner_id)
        seen = seen.filter(partner_id=scope.partner_id)
    rows = {
        row["pk"]: {"name": row["name"], "archived": row["is_archived"]}
        for row in partners.values("pk", "name", "is_archived")
    }
    counts = {
        "presences": presences.values("partner_id").annotate(n=Count("pk")).order_by(),
        "visits_seen": seen.values("partner_id")
        .annotate(n=Count("visit", distinct=True))
        .order_by(),
        "referrals": scoped_referrals(scope)
        .values("partner_id")
        .annotate(n=Count("pk"))
        .order_by(),
        "taken_up": scoped_referrals(scope)
        .filter(status=ReferralStatus.TAKEN_UP)
        .values("partner_id")
        .annotate(n=Count("pk"))
        .order_by(),
    }
    for name, queryset in counts.items():
        for row in queryset:
            if row["partner_id"] in rows:
                rows[row["partner_id"]][name] = row["n"]
    result = []
    for row in rows.values():
        for name in counts:
            row.setdefault(name, 0)
        active = any(row[name] for name in counts)
        if active or not row.pop("archived"):
            row.pop("archived", None)
            result.append(row)
    return sorted(result, key=lambda row: row["name"])


def _cyber(scope: Scope) -> dict:
    capacity = Space.objects.filter(
        vehicle_id=OuterRef("stop__vehicle_id"), kind=SpaceKind.CYBER
    ).values("capacity")[:1]
    usages = CyberUsage.objects.for_operator(scope.operator_id).filter(
        stop__in=scoped_stops(scope).filter(status=StopStatus.HELD, date__lte=scope.today)
    )
    figures = usages.aggregate(
        stops_recorded=Count("pk"),
        seats_used=Sum("seats_used"),
        people=Sum("people_count"),
        seats_offered=Sum(Subquery(capacity)),
    )
    return {name: value or 0 for name, value in figures.items()}


def report_compute(scope: Scope, *, with_previous: bool = True) -> dict:
    """Every figure of the report for `scope` (a fixed number of queries)."""
    report = {
        "period": scope.period.as_dict(),
        "today": scope.today.isoformat(),
        **core_figures(scope),
        "topics": _topics(scope),
        "partners": _partners(scope),
        "cyber": _cyber(scope),
        "by_site": _by_site(scope),
        "by_month": _by_month(scope),
        "previous": None,
    }
    if with_previous:
        previous_scope = scope.before()
        report["previous"] = {
            "period": previous_scope.period.as_dict(),
            **core_figures(previous_scope),
        }
        report["previous"].pop("breakdowns")
    return report
