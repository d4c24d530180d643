"""The reads of reporting: the figures of a report, computed by SQL aggregation, or read back
from a closed year (`report_figures`).

What is a read here: everything that queries the database. What a person reads (formatting,
tables, the results paragraph) is `presentation/`, which never queries; the files are `exports`.

Every figure comes from grouped `annotate()` with conditional counts: the number of queries is
fixed (seventeen) whatever the amount of data, and no Python code loops over visits (only over
the few grouped rows, summed into the scope, each site and each month). The result is a plain,
dict of counts, with means and medians kept exact (`Fraction` minutes and days, `Decimal`
amounts) until the one rounding of `presentation/values.py` writes them; the same dict is stored
when a year is closed (`stored` writes those exact values as text: "641/2"), and every rendering
(page, PDF, XLSX, CSV) reads it.

A visit belongs to the date of its stop (`Stop.date`, a local date), so that a visit at 23:30 on
31 December, Paris time, is counted in that year whatever UTC says.
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import (
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
    Window,
)
from django.db.models.functions import ExtractMonth, ExtractYear, RowNumber

from allervers.alerts.figures import alert_figures
from allervers.bookings.figures import booking_figures
from allervers.partners.models import Partner
from allervers.planning.enums import SpaceKind, StopStatus
from allervers.planning.models import EVENING_START, PartnerPresence, Space, Stop
from allervers.reception.enums import ReferralStatus, YesNoUnknown
from allervers.reception.models import CyberUsage, Referral, Visit, VisitPartner, VisitTopic
from allervers.reception.questions import QUESTIONS, SHARES, UNKNOWN
from allervers.screening.queries import screening_figures

from .models import FilterKind, YearClosure, YearClosureFilter
from .parking import parking_figures
from .periods import YEAR, Period

VISIT_DURATION = ExpressionWrapper(F("left_at") - F("arrived_at"), output_field=DurationField())
REFERRAL_DELAY = ExpressionWrapper(
    F("taken_up_at") - F("proposed_at"), output_field=DurationField()
)

# The visit's questions (reception/questions.py), each broken down with its "non renseigné"
# value included, under its report key.
BREAKDOWNS: dict[str, tuple[str, type]] = {
    question.report_key: (question.field, question.choices) for question in QUESTIONS
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


def _through_visit(rows: QuerySet, scope: Scope) -> QuerySet:
    """Rows of a model that hangs on a visit (`visit`), for the visits of `scope` (its partner
    aside)."""
    rows = rows.for_operator(scope.operator_id).filter(
        visit__operator_id=scope.operator_id,
        visit__stop__operator_id=scope.operator_id,
        visit__stop__date__gte=scope.period.start,
        visit__stop__date__lte=scope.period.end,
    )
    if scope.site_id:
        rows = rows.filter(visit__stop__site_id=scope.site_id)
    return rows


def _visit_rows_of(scope: Scope, model) -> QuerySet:
    """Rows of `model` (a visit's topics or partners seen) for the visits of `scope`, filtered
    through their visit's stop directly rather than `visit__in=<subquery>`, so that the planner
    starts from the period's stops (measured ≈ 25 ms → ≈ 5 ms per query on the benchmark)."""
    rows = _through_visit(model.objects.all(), scope)
    if scope.partner_id:
        rows = rows.filter(
            Exists(
                VisitPartner.objects.filter(visit=OuterRef("visit_id"), partner_id=scope.partner_id)
            )
        )
    return rows


def scoped_referrals(scope: Scope) -> QuerySet:
    """Referrals made during the visits of the period; with a partner, those it received."""
    referrals = _through_visit(Referral.objects.all(), scope)
    if scope.partner_id:
        referrals = referrals.filter(partner_id=scope.partner_id)
    return referrals


# --- measures ------------------------------------------------------------------------------


def _cyber_capacity(path: str) -> Subquery:
    """The cyber-atelier's seats of the vehicle of a stop (`path` leads to the stop's vehicle)."""
    return Subquery(
        Space.objects.filter(vehicle_id=OuterRef(path), kind=SpaceKind.CYBER).values("capacity")[:1]
    )


def _stop_measures(scope: Scope) -> dict:
    held = Q(status=StopStatus.HELD, date__lte=scope.today)
    return {
        "held": Count("pk", filter=held),
        "cancelled": Count("pk", filter=Q(status=StopStatus.CANCELLED)),
        "evening_held": Count("pk", filter=held & Q(start_time__gte=EVENING_START)),
        # The cyber-atelier's seats on every held stop: the occupancy's denominator.
        "seats_held": Sum(_cyber_capacity("vehicle_id"), filter=held),
    }


def _visit_measures(scope: Scope, *, breakdowns: bool = True) -> dict:
    evening = Q(stop__start_time__gte=EVENING_START)
    measures = {
        "visits": Count("pk"),
        # Visits of an anonymised person (`anonymous_group`) are counted with that person below.
        "anonymous_first": Count(
            "pk",
            filter=Q(
                person__isnull=True,
                anonymous_group__isnull=True,
                is_first_visit=YesNoUnknown.YES,
            ),
        ),
        "with_duration": Count("pk", filter=Q(left_at__isnull=False)),
        # Summed, not averaged, so that the cells of a grouping add up (the mean is sum / count).
        "duration_sum": Sum(VISIT_DURATION, filter=Q(left_at__isnull=False)),
        **_share_measures(),
        "cyber_used": Count("pk", filter=Q(cyber_used=True)),
        "evening": Count("pk", filter=evening),
        "without_topic": Count(
            "pk", filter=~Exists(VisitTopic.objects.filter(visit=OuterRef("pk")))
        ),
    }
    if breakdowns:
        measures.update(
            {
                f"b_{name}_{index}": Count("pk", filter=Q(**{field: value}))
                for name, (field, choices) in BREAKDOWNS.items()
                for index, value in enumerate(choices.values)
            }
        )
    if scope.partner_id:
        # With a partner: the visits where it was seen at a held stop where it was present
        # (the numerator of "visits per presence"; see definitions.visits_per_presence).
        present = Q(
            Exists(
                PartnerPresence.objects.filter(
                    stop=OuterRef("stop_id"), partner_id=scope.partner_id
                )
            ),
            stop__status=StopStatus.HELD,
        )
        measures["at_presence"] = Count("pk", filter=present)
        measures["evening_at_presence"] = Count("pk", filter=present & evening)
    return measures


def _share_measures() -> dict:
    """For each key figure share of a question (« Part de femmes »): the answer counted and the
    known answers."""
    measures = {}
    for question in QUESTIONS:
        share = question.share
        if share is not None:
            measures[share.part] = Count("pk", filter=Q(**{question.field: share.value}))
            measures[share.known] = Count("pk", filter=~Q(**{question.field: UNKNOWN}))
    return measures


def _referral_measures() -> dict:
    measures = {"total": Count("pk")}
    for status in ReferralStatus:
        measures[status.value] = Count("pk", filter=Q(status=status))
    return measures


MICROSECOND = datetime.timedelta(microseconds=1)


def _microseconds(duration: datetime.timedelta) -> int:
    return duration // MICROSECOND


def _minutes(microseconds: Fraction | None) -> Fraction | None:
    """Exact minutes (no rounding here: `presentation.values.rounded` rounds once)."""
    return None if microseconds is None else microseconds / 60_000_000


def _days(microseconds: Fraction | None) -> Fraction | None:
    return None if microseconds is None else microseconds / 86_400_000_000


def stored(figures):
    """`figures` as JSON can hold them (a closed year's): an exact value as its exact writing,
    "641/2" or "2500.00", which `presentation.values.exact` reads back."""
    if isinstance(figures, dict):
        return {name: stored(value) for name, value in figures.items()}
    if isinstance(figures, list | tuple):
        return [stored(value) for value in figures]
    if isinstance(figures, Fraction):
        return str(figures.numerator) if figures.denominator == 1 else str(figures)
    if isinstance(figures, Decimal):
        return str(figures)
    return figures


# --- cells, and how they add up --------------------------------------------------------------
#
# Every family of figures is computed in one query grouped by cell — a site in a month (with a
# partner or a topic for their families) — and the few grouped rows are summed here into the
# figures of the whole scope, of each site and of each month: the scope's rows are read once per
# family, not once per grouping. Only what adds up is folded: counts and sums (a mean is a sum
# divided by a count); distinct people come from the cells' distinct persons; the medians are
# computed exactly in SQL for every grouping at once (`_medians`).

SCOPE, SITE, MONTH = "scope", "site", "month"
CELL_KEYS = ("g_site", "g_year", "g_month")


def _cell_keys(path: str, by_cell: bool = True) -> dict:
    """The key of a cell, `path` leading from the grouped model to its stop ("" for a stop,
    "stop__" for a visit...); none when only the scope's totals are wanted (`by_cell=False`:
    the previous period's key figures)."""
    if not by_cell:
        return {}
    return {
        "g_site": F(f"{path}site_id"),
        "g_year": ExtractYear(f"{path}date"),
        "g_month": ExtractMonth(f"{path}date"),
    }


def _targets(row: dict) -> tuple:
    """Pop the cell key of a grouped row: the groups it adds to (the scope, its site, its
    month); the scope only for a row of totals."""
    if "g_site" not in row:
        return ((SCOPE,),)
    site, year, month = row.pop("g_site"), row.pop("g_year"), row.pop("g_month")
    return ((SCOPE,), (SITE, site), (MONTH, year, month))


def _rows(queryset: QuerySet, keys: dict, measures: dict):
    """`measures` of `queryset` grouped by `keys`; without keys, its one row of totals."""
    if not keys:
        return [queryset.aggregate(**measures)]
    return queryset.values(**keys).annotate(**measures).order_by()


def _add(into: dict, row: dict) -> None:
    """Add the counts and sums of `row` to `into` (a sum over no row, None, adds nothing)."""
    for name, value in row.items():
        current = into.get(name)
        if current is None:
            into[name] = value
        elif value is not None:
            into[name] = current + value


def _medians(queryset: QuerySet, expression, path: str, by_cell: bool = True) -> dict:
    """The median of `expression` over the scope, each site and each month, in one query:
    {(SCOPE,) | (SITE, site) | (MONTH, year, month): median}.

    Each row gets its rank (ROW_NUMBER) and its group's size (COUNT OVER) in each grouping; only
    the middle rows of some group come back — one per group of odd size, two of even size
    (2 × rank − size is 0 or 2 for them, 1 for the single middle) — and the two middle values are
    averaged here, exactly: a `Fraction` of microseconds. Portable to SQLite (3.25+) and
    PostgreSQL.
    """
    keys = _cell_keys(path, by_cell)
    partitions = {SCOPE: []}
    if by_cell:
        partitions[SITE] = [keys["g_site"]]
        partitions[MONTH] = [keys["g_year"], keys["g_month"]]
    middles = {
        f"m_{name}": Window(RowNumber(), partition_by=partition or None, order_by=expression.asc())
        * 2
        - Window(Count("pk"), partition_by=partition or None)
        for name, partition in partitions.items()
    }
    in_middle = Q()
    for name in middles:
        in_middle |= Q(**{f"{name}__gte": 0, f"{name}__lte": 2})
    rows = (
        queryset.annotate(measure=expression, **keys, **middles)
        .filter(in_middle)
        .values("measure", *keys, *middles)
        .order_by()
    )
    found: dict = {}
    for row in rows:  # at most two rows per group
        for target in _targets(row):
            if 0 <= row[f"m_{target[0]}"] <= 2:
                found.setdefault(target, []).append(_microseconds(row["measure"]))
    return {key: Fraction(sum(values), len(values)) for key, values in found.items()}


class _Folds(dict):
    """{(SCOPE,) | (SITE, site) | (MONTH, year, month): {family: figures}}."""

    def slots(self, row: dict, family: str) -> list[dict]:
        return [self.setdefault(target, {}).setdefault(family, {}) for target in _targets(row)]

    def of(self, family: str) -> dict:
        return {target: slot[family] for target, slot in self.items() if family in slot}


def _fold_stops(scope: Scope, folds: _Folds, by_cell: bool = True) -> None:
    measures = _stop_measures(scope)
    keys = {**_cell_keys(""), "g_label": F("site__name")} if by_cell else {}
    if not by_cell:  # the sites used, counted here without the sites' cells
        held = Q(status=StopStatus.HELD, date__lte=scope.today)
        measures["sites_used"] = Count("site_id", distinct=True, filter=held)
    for row in _rows(scoped_stops(scope), keys, measures):
        label = row.pop("g_label", None)
        slots = folds.slots(row, "stops")
        for slot in slots:
            _add(slot, row)
        if by_cell:
            slots[1]["g_label"] = label  # the site's


def _fold_visits(scope: Scope, folds: _Folds, by_cell: bool = True) -> None:
    """Visits by cell; the distinct named people of each cell, which are united (a person counts
    once in a site or a month where they came several times); the medians of the durations.

    A person whose record was anonymised or erased still counts once: their visits share an
    `anonymous_group` (a random number), kept apart from the records' ids."""
    visits_qs = scoped_visits(scope)
    keys = _cell_keys("stop__", by_cell)
    measures = _visit_measures(scope, breakdowns=by_cell)
    for row in _rows(visits_qs, keys, measures):
        for slot in folds.slots(row, "visits"):
            _add(slot, row)
    people = (
        visits_qs.filter(Q(person__isnull=False) | Q(anonymous_group__isnull=False))
        .values_list("person_id", "anonymous_group", *keys.values())
        .distinct()
        .order_by()
    )
    for person, group, *cell in people:
        for target in _targets(dict(zip(CELL_KEYS, cell, strict=False))):
            folds[target]["visits"].setdefault("persons", set()).add((person, group))
    medians = _medians(visits_qs.filter(left_at__isnull=False), VISIT_DURATION, "stop__", by_cell)
    for target, median in medians.items():
        folds[target]["visits"]["duration_median"] = _minutes(median)


def _fold_referrals(scope: Scope, folds: _Folds, by_cell: bool = True) -> None:
    """Referrals by status, and each partner's received and taken up (by cell only)."""
    referrals_qs = scoped_referrals(scope)
    if by_cell:
        rows = (
            referrals_qs.values("partner_id", **_cell_keys("visit__stop__"))
            .annotate(**_referral_measures())
            .order_by()
        )
    else:
        rows = _rows(referrals_qs, {}, _referral_measures())
    for row in rows:
        partner_id = row.pop("partner_id", None)
        for slot in folds.slots(row, "referrals"):
            _add(slot, row)
            if by_cell:
                _add(
                    slot.setdefault("partners", {}).setdefault(partner_id, {}),
                    {"n": row["total"], "taken_up": row[ReferralStatus.TAKEN_UP.value]},
                )
    delays = _medians(
        referrals_qs.filter(status=ReferralStatus.TAKEN_UP, taken_up_at__isnull=False),
        REFERRAL_DELAY,
        "visit__stop__",
        by_cell,
    )
    for target, median in delays.items():
        folds[target]["referrals"]["delay_median_days"] = _days(median)


def _fold_topics(scope: Scope, folds: _Folds) -> dict:
    """Visits mentioning each topic (a visit is in one cell: the cells' counts add up); returns
    the topics {id: (name, position)} in the order of their position and name."""
    rows = (
        _visit_rows_of(scope, VisitTopic)
        # Redundant, but without it PostgreSQL misjudges the join with every operator's topics
        # (≈ 60 ms on the benchmark, ≈ 5 ms with it).
        .filter(topic__operator_id=scope.operator_id)
        .values("topic_id", "topic__name", "topic__position", **_cell_keys("visit__stop__"))
        .annotate(n=Count("visit", distinct=True))
        .order_by("topic__position", "topic__name")
    )
    topics: dict = {}
    for row in rows:
        topics.setdefault(row["topic_id"], row["topic__name"])
        for slot in folds.slots(row, "topics"):
            slot[row["topic_id"]] = slot.get(row["topic_id"], 0) + row["n"]
    return topics


def _fold_partners(scope: Scope, folds: _Folds) -> None:
    """Each partner's presences on held stops and visits where seen (a visit is in one cell)."""
    presences = PartnerPresence.objects.for_operator(scope.operator_id).filter(
        stop__in=_held_stops(scope)
    )
    seen = _visit_rows_of(scope, VisitPartner)
    if scope.partner_id:
        presences = presences.filter(partner_id=scope.partner_id)
        seen = seen.filter(partner_id=scope.partner_id)
    for family, queryset, path, count in [
        ("presences", presences, "stop__", Count("pk")),
        ("visits_seen", seen, "visit__stop__", Count("visit", distinct=True)),
    ]:
        rows = queryset.values("partner_id", **_cell_keys(path)).annotate(n=count).order_by()
        for row in rows:
            for slot in folds.slots(row, family):
                slot[row["partner_id"]] = slot.get(row["partner_id"], 0) + row["n"]


def _fold_cyber(scope: Scope, folds: _Folds) -> None:
    rows = (
        CyberUsage.objects.for_operator(scope.operator_id)
        .filter(stop__in=_held_stops(scope))
        .values(**_cell_keys("stop__"))
        .annotate(**_cyber_measures())
        .order_by()
    )
    for row in rows:
        for slot in folds.slots(row, "cyber"):
            _add(slot, row)


def _held_stops(scope: Scope) -> QuerySet:
    return scoped_stops(scope).filter(status=StopStatus.HELD, date__lte=scope.today)


def _cyber_measures() -> dict:
    return {
        "stops_recorded": Count("pk"),
        "seats_used": Sum("seats_used"),
        "people": Sum("people_count"),
        "seats_offered": Sum(_cyber_capacity("stop__vehicle_id")),
    }


# --- the figures of a group ------------------------------------------------------------------

STOP_FIELDS = ("held", "cancelled", "evening_held", "seats_held")
REFERRAL_FIELDS = tuple(_referral_measures())
CYBER_FIELDS = ("stops_recorded", "seats_used", "people", "seats_offered")
PARTNER_FIELDS = ("presences", "visits_seen", "referrals", "taken_up")


def _stop_figures(folded: dict) -> dict:
    return {name: folded.get(name) or 0 for name in STOP_FIELDS}


def _breakdowns_of(row: dict) -> dict:
    """Move the conditional counts `b_<question>_<index>` of a row into [value, label, count]
    lists, "non renseigné" included."""
    return {
        name: [
            [value, label, row.pop(f"b_{name}_{index}")]
            for index, (value, label) in enumerate(choices.choices)
        ]
        for name, (field, choices) in BREAKDOWNS.items()
    }


@functools.cache
def _visit_fields(with_partner: bool) -> tuple[str, ...]:
    """The names of the visits' measures (building the measures themselves is not free)."""
    scope = Scope(0, Period.year(2000), datetime.date(2000, 1, 1), partner_id=with_partner or None)
    return tuple(_visit_measures(scope))


def _visit_figures(scope: Scope, folded: dict) -> tuple[dict, dict]:
    """The visits' figures of a group, and its breakdowns."""
    row = {name: folded.get(name, 0) for name in _visit_fields(bool(scope.partner_id))}
    breakdowns = _breakdowns_of(row)
    duration_sum = row.pop("duration_sum")
    row["named_people"] = len(folded.get("persons", ()))
    row["duration_mean"] = (
        _minutes(Fraction(_microseconds(duration_sum), row["with_duration"]))
        if row["with_duration"]
        else None
    )
    row["people"] = row["named_people"] + row["anonymous_first"]
    row["duration_median"] = folded.get("duration_median")
    return row, breakdowns


def _referral_figures(folded: dict) -> dict:
    row = {name: folded.get(name, 0) for name in REFERRAL_FIELDS}
    row["delay_median_days"] = folded.get("delay_median_days")
    return row


def _cyber_figures(folded: dict) -> dict:
    return {name: folded.get(name) or 0 for name in CYBER_FIELDS}


def _core(scope: Scope, by_cell: bool = True) -> tuple[dict, _Folds]:
    """The key figures of a scope (stops, visits, referrals), and the folds they come from, by
    site and by month (six queries). With `by_cell=False`, the scope's totals only (the previous
    period's key figures: no cells, no breakdowns — the same six queries, lighter)."""
    folds = _Folds()
    _fold_stops(scope, folds, by_cell)
    _fold_visits(scope, folds, by_cell)
    _fold_referrals(scope, folds, by_cell)
    total = folds.get((SCOPE,), {})
    stops = _stop_figures(total.get("stops", {}))
    if by_cell:
        stops["sites_used"] = sum(
            1
            for target, slot in folds.items()
            if target[0] == SITE and slot.get("stops", {}).get("held")
        )
    else:
        stops["sites_used"] = total.get("stops", {}).get("sites_used") or 0
    visits, breakdowns = _visit_figures(scope, total.get("visits", {}))
    referrals = _referral_figures(total.get("referrals", {}))
    core = {"stops": stops, "visits": visits, "breakdowns": breakdowns, "referrals": referrals}
    return core, folds


def core_figures(scope: Scope) -> dict:
    """The key figures of a scope: stops, visits, referrals (six queries)."""
    return _core(scope)[0]


def _group(scope: Scope, slot: dict) -> dict:
    """Every figure of one site or one month."""
    visits, breakdowns = _visit_figures(scope, slot.get("visits", {}))
    referrals = _referral_figures(slot.get("referrals", {}))
    referrals["referrals"] = referrals.pop("total")
    partners: dict = {}
    for name in ("presences", "visits_seen"):
        for partner_id, n in slot.get(name, {}).items():
            partners.setdefault(str(partner_id), dict.fromkeys(PARTNER_FIELDS, 0))[name] = n
    for partner_id, counts in slot.get("referrals", {}).get("partners", {}).items():
        partner = partners.setdefault(str(partner_id), dict.fromkeys(PARTNER_FIELDS, 0))
        partner["referrals"], partner["taken_up"] = counts["n"], counts["taken_up"]
    return {
        **_stop_figures(slot.get("stops", {})),
        **visits,
        **referrals,
        "breakdowns": breakdowns,
        "topics": {str(topic_id): n for topic_id, n in slot.get("topics", {}).items()},
        "cyber": _cyber_figures(slot.get("cyber", {})),
        "partners": partners,
    }


GROUP_FIELDS = (
    "held",
    "cancelled",
    "evening_held",
    "seats_held",
    "visits",
    "people",
    "named_people",
    "anonymous_first",
    "with_duration",
    "duration_mean",
    "duration_median",
    *(name for share in SHARES for name in (share.part, share.known)),
    "cyber_used",
    "evening",
    "without_topic",
    "at_presence",
    "evening_at_presence",
    "referrals",
    "proposed",
    "sent",
    "taken_up",
    "dropped",
    "delay_median_days",
)


def _complete(scope: Scope, slot: dict) -> dict:
    figures = _group(scope, slot)
    complete = {name: figures.get(name, 0) for name in GROUP_FIELDS}
    for name in ("breakdowns", "topics", "cyber", "partners"):
        complete[name] = figures[name]
    return complete


def _partners(scope: Scope, folded: dict) -> list[dict]:
    """Each partner's presences, visits where seen, referrals received and taken up."""
    partners = Partner.objects.for_operator(scope.operator_id)
    if scope.partner_id:
        partners = partners.filter(pk=scope.partner_id)
    result = []
    for pk, name, archived in partners.values_list("pk", "name", "is_archived"):
        referred = folded.get("referrals", {}).get("partners", {}).get(pk, {})
        row = {
            "partner_id": pk,
            "name": name,
            "presences": folded.get("presences", {}).get(pk, 0),
            "visits_seen": folded.get("visits_seen", {}).get(pk, 0),
            "referrals": referred.get("n", 0),
            "taken_up": referred.get("taken_up", 0),
        }
        if any(row[name] for name in PARTNER_FIELDS) or not archived:
            result.append(row)
    return sorted(result, key=lambda row: row["name"])


def report_compute(scope: Scope, *, with_previous: bool = True) -> dict:
    """Every figure of the report for `scope` (a fixed number of queries)."""
    core, folds = _core(scope)
    topic_names = _fold_topics(scope, folds)
    _fold_partners(scope, folds)
    _fold_cyber(scope, folds)
    total = folds.get((SCOPE,), {})
    counts = total.get("topics", {})
    topics = sorted(  # stable: ties stay in the order of position and name
        (
            {"topic_id": topic_id, "name": name, "count": counts[topic_id]}
            for topic_id, name in topic_names.items()
        ),
        key=lambda row: -row["count"],
    )
    sites = [
        {
            "site_id": target[1],
            "name": slot.get("stops", {}).get("g_label", ""),
            **_complete(scope, slot),
        }
        for target, slot in folds.items()
        if target[0] == SITE
    ]
    report = {
        "period": scope.period.as_dict(),
        "today": scope.today.isoformat(),
        # What the figures are filtered on: a partner's visits per stop read differently.
        "filters": {"site_id": scope.site_id, "partner_id": scope.partner_id},
        **core,
        "topics": topics,
        "partners": _partners(scope, total),
        "cyber": _cyber_figures(total.get("cyber", {})),
        "by_site": sorted(sites, key=lambda row: row["name"]),
        "by_month": [
            {"year": year, "month": month, **_complete(scope, folds.get((MONTH, year, month), {}))}
            for year, month in scope.period.months()
        ],
        "previous": None,
        # Where and when to park (issue 15): not for a partner's figures.
        "parking": None if scope.partner_id else parking_figures(scope),
        # The screening of rights (issue 17): the whole structure's only.
        "screening": (
            None
            if scope.partner_id or scope.site_id
            else screening_figures(scope.operator_id, scope.period.start, scope.period.end)
        ),
        # « Prévenez-moi » (issue 28): not for a partner's figures.
        "alerts": (
            None
            if scope.partner_id
            else alert_figures(
                scope.operator_id, scope.period.start, scope.period.end, site_id=scope.site_id
            )
        ),
        # Appointments and workshops (issue 13); their visits are among the visits above.
        "bookings": booking_figures(
            scope.operator_id,
            scope.period.start,
            scope.period.end,
            scope.today,
            site_id=scope.site_id,
            partner_id=scope.partner_id,
        ),
    }
    if with_previous:
        previous_scope = scope.before()
        report["previous"] = {
            "period": previous_scope.period.as_dict(),
            **_core(previous_scope, by_cell=False)[0],
        }
        report["previous"].pop("breakdowns")
    return report


@dataclass(frozen=True)
class Figures:
    report: dict
    closure: YearClosure | None = None  # the figures are the ones stored at its closing
    live_closure: YearClosure | None = None  # a closed year, but these figures are live ones


def report_figures(scope: Scope, *, with_previous: bool = True) -> Figures:
    """A closed year's stored figures when the scope is that whole year, unfiltered or filtered
    on one site or one partner; otherwise the figures computed now (for a closed year, with the
    closure as `live_closure` so that the page can say so)."""
    if scope.period.kind != YEAR:
        return Figures(report_compute(scope, with_previous=with_previous))
    closure = (
        YearClosure.objects.for_operator(scope.operator_id)
        .in_force()
        .filter(year=scope.period.start.year)
        .select_related("closed_by")
        .defer("figures")
        .first()
    )
    if closure is None:
        return Figures(report_compute(scope, with_previous=with_previous))
    if not scope.site_id and not scope.partner_id:
        closure.refresh_from_db(fields=["figures"])
        return Figures(closure.figures, closure)
    if not (scope.site_id and scope.partner_id):
        kind, subject = (
            (FilterKind.SITE, scope.site_id)
            if scope.site_id
            else (FilterKind.PARTNER, scope.partner_id)
        )
        stored = (
            YearClosureFilter.objects.for_operator(scope.operator_id)
            .filter(closure=closure, kind=kind, subject_id=subject)
            .values_list("figures", flat=True)
            .first()
        )
        if stored is not None:
            return Figures(stored, closure)
    return Figures(report_compute(scope, with_previous=with_previous), live_closure=closure)
