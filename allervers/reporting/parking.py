"""Where and when to park (issue 15, point 5): visits per held stop by site, weekday, time of day
and season, with an interval that says when the numbers are too few to conclude, the evening
stops compared with daytime ones, and the suggestions the figures support.

The reads (`parking_figures`, `parking_patterns`) are two grouped SQL queries whatever the
amount of data; they return plain, JSON-ready data (stored with a closed year's figures). The
rest is arithmetic on those few rows. Nothing here changes the planning: the suggestions are for
the coordinator to weigh.

Definitions (docs/indicators.md, « Où et quand stationner »):
- a held stop is one of the period, not cancelled, whose date is past (today included), as in
  the report; its visits are the visits recorded at it;
- time of day from the stop's start: morning before 12:00, afternoon 12:00–16:59, evening from
  17:00 (`EVENING_START`, the report's evening);
- season from the stop's date: summer is July and August (the demo's and the seed's summer
  rhythm), the school year is every other month;
- the interval is a 90 % interval on the mean number of visits per held stop (see `Estimate`);
- a figure is conclusive from 5 held stops; a suggestion needs a conclusive figure whose interval
  leaves out the mean of the other held stops, and a gap of at least 20 % to it.
"""

import datetime
import math
from dataclasses import dataclass
from statistics import NormalDist

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractIsoWeekDay

from allervers.planning.enums import StopStatus, Weekday
from allervers.planning.models import EVENING_START, Stop
from allervers.reception.models import Visit

from .definitions import Indicator

MORNING, AFTERNOON, EVENING = "morning", "afternoon", "evening"
MOMENTS = {MORNING: "matin", AFTERNOON: "après-midi", EVENING: "soir"}
NOON = datetime.time(12, 0)
SCHOOL_YEAR, SUMMER = "school_year", "summer"
SEASONS = {SCHOOL_YEAR: "année scolaire", SUMMER: "été"}
SUMMER_MONTHS = (7, 8)
CONFIDENCE = 0.90
MIN_STOPS = 5  # fewer held stops than this: too few to conclude
MIN_GAP = 0.20  # a suggestion needs the mean at least 20 % away from the others'
MAX_SUGGESTIONS = 5
TOO_FEW = f"trop peu de permanences (n < {MIN_STOPS}) pour conclure"

BELOW, ABOVE, LIKE, FEW = "below", "above", "like", "few"
VERDICTS = {
    BELOW: "nettement moins que les autres permanences",
    ABOVE: "nettement plus que les autres permanences",
    LIKE: "pas d'écart net avec les autres permanences",
    FEW: TOO_FEW,
}

DEFINITIONS = [
    Indicator(
        "parking_visits_per_stop",
        "Visites par permanence tenue",
        "Pour un lieu, un jour de la semaine, un moment de la journée et une saison : nombre de "
        "visites enregistrées sur les permanences tenues de la période (non annulées, date "
        "passée, aujourd'hui compris) divisé par le nombre de ces permanences, qui est donné à "
        "côté.",
    ),
    Indicator(
        "parking_moment",
        "Moment de la journée",
        "Selon l'heure de début de la permanence : matin avant 12 h, après-midi de 12 h à "
        "16 h 59, soir à partir de 17 h (comme « Soirée ou journée »).",
    ),
    Indicator(
        "parking_season",
        "Saison",
        "Selon la date de la permanence : l'été va du 1er juillet au 31 août (le rythme d'été "
        "du bus) ; l'année scolaire, tous les autres mois.",
    ),
    Indicator(
        "parking_interval",
        "Intervalle à 90 %",
        "Fourchette dans laquelle se trouve, avec 90 % de confiance, le nombre moyen de visites "
        "par permanence de ce créneau : intervalle de Poisson sur le total des visites "
        "(approximation de Wilson et Hilferty), divisé par le nombre de permanences, élargi "
        "quand les visites varient d'une permanence à l'autre plus que le hasard seul ne le "
        "ferait (facteur racine de la variance divisée par la moyenne). En dessous de 5 "
        f"permanences, le créneau est marqué « {TOO_FEW} ».",
    ),
    Indicator(
        "parking_evening",
        "Soirées et journées",
        "Les permanences du soir (à partir de 17 h) comparées à celles de journée : visites par "
        "permanence de chacune, avec leur intervalle à 90 %.",
    ),
    Indicator(
        "parking_suggestions",
        "Suggestions",
        "Un créneau est signalé quand il compte au moins 5 permanences tenues, que son "
        "intervalle à 90 % laisse en dehors la moyenne des autres permanences de la période et "
        "que l'écart avec elle est d'au moins 20 %. Au plus cinq, les plus grands écarts "
        "d'abord. Rien n'est changé dans le planning : c'est à la coordination d'en décider.",
    ),
]

_Z = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


@dataclass(frozen=True)
class Estimate:
    """Visits per held stop over `stops` held stops holding `visits` visits, `squares` being the
    sum over the stops of the square of their visits (for the spread).

    The interval: Poisson on the total (Wilson–Hilferty approximation of the exact interval,
    within 1 % of it from one visit on), divided by the stops; widened by √(variance / mean)
    when the visits vary from stop to stop more than Poisson allows (quasi-Poisson)."""

    stops: int
    visits: int
    squares: int

    @property
    def mean(self) -> float | None:
        return self.visits / self.stops if self.stops else None

    @property
    def conclusive(self) -> bool:
        return self.stops >= MIN_STOPS

    @property
    def dispersion(self) -> float:
        mean = self.mean
        if not mean or self.stops < 2:
            return 1.0
        variance = (self.squares - self.stops * mean * mean) / (self.stops - 1)
        return max(1.0, variance / mean)

    @property
    def interval(self) -> tuple[float, float] | None:
        if not self.stops:
            return None
        total, mean = self.visits, self.visits / self.stops
        # Wilson–Hilferty bounds of the exact interval of a Poisson total.
        low = total * (1 - 1 / (9 * total) - _Z / (3 * math.sqrt(total))) ** 3 if total else 0.0
        after = total + 1
        high = after * (1 - 1 / (9 * after) + _Z / (3 * math.sqrt(after))) ** 3
        widen = math.sqrt(self.dispersion)
        return (
            max(0.0, mean - widen * (mean - low / self.stops)),
            mean + widen * (high / self.stops - mean),
        )

    def __add__(self, other: "Estimate") -> "Estimate":
        return Estimate(
            self.stops + other.stops, self.visits + other.visits, self.squares + other.squares
        )

    def __sub__(self, other: "Estimate") -> "Estimate":
        return Estimate(
            self.stops - other.stops, self.visits - other.visits, self.squares - other.squares
        )

    def verdict(self, reference: "Estimate") -> str:
        """How this figure compares with `reference` (the other stops): FEW when either has
        fewer than 5 stops, BELOW or ABOVE when the interval leaves its mean out by 20 % or
        more, LIKE otherwise."""
        if not self.conclusive or not reference.conclusive:
            return FEW
        mean, other = self.mean, reference.mean
        low, high = self.interval
        if high < other and mean <= (1 - MIN_GAP) * other:
            return BELOW
        if low > other and mean >= (1 + MIN_GAP) * other:
            return ABOVE
        return LIKE


NONE = Estimate(0, 0, 0)


@dataclass(frozen=True)
class Cell:
    """One site × weekday × time of day × season, with its figures."""

    site_id: int
    site: str
    weekday: int  # 0 = Monday, as `Weekday`
    moment: str
    season: str
    estimate: Estimate
    one_offs: int  # held stops of the cell made by hand (no pattern)

    @property
    def key(self) -> tuple:
        return (self.site_id, self.weekday, self.moment, self.season)

    @property
    def slot(self) -> str:
        """« le mercredi après-midi », « le mardi soir »."""
        return f"le {Weekday(self.weekday).label} {MOMENTS[self.moment]}"


def _held_stops(operator_id: int, start: datetime.date, end: datetime.date, today, site_id):
    stops = Stop.objects.for_operator(operator_id).filter(
        status=StopStatus.HELD, date__gte=start, date__lte=min(end, today)
    )
    if site_id:
        stops = stops.filter(site_id=site_id)
    return stops.annotate(
        iso_weekday=ExtractIsoWeekDay("date"),
        moment=Case(
            When(start_time__lt=NOON, then=Value(MORNING)),
            When(start_time__lt=EVENING_START, then=Value(AFTERNOON)),
            default=Value(EVENING),
        ),
        season=Case(
            When(date__month__in=SUMMER_MONTHS, then=Value(SUMMER)),
            default=Value(SCHOOL_YEAR),
        ),
    ).order_by()


def _scope_args(scope) -> tuple:
    period = scope.period
    return (scope.operator_id, period.start, period.end, scope.today, scope.site_id)


def parking_figures(scope) -> list[dict]:
    """One row per site × weekday × time of day × season with held stops in `scope` (a
    `queries.Scope`; its partner filter does not apply): one query."""
    visits = (
        Visit.objects.for_operator(scope.operator_id)
        .filter(stop=OuterRef("pk"))
        .order_by()
        .values("stop")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        _held_stops(*_scope_args(scope))
        .annotate(visit_count=Coalesce(Subquery(visits, output_field=IntegerField()), 0))
        .values("site_id", "site__name", "iso_weekday", "moment", "season")
        .annotate(
            stops=Count("pk"),
            visits=Sum("visit_count"),
            squares=Sum(F("visit_count") * F("visit_count")),
            one_offs=Count("pk", filter=Q(pattern__isnull=True)),
        )
    )
    return sorted(
        (
            {
                "site_id": row["site_id"],
                "site": row["site__name"],
                "weekday": row["iso_weekday"] - 1,
                "moment": row["moment"],
                "season": row["season"],
                "stops": row["stops"],
                "visits": row["visits"] or 0,
                "squares": row["squares"] or 0,
                "one_offs": row["one_offs"],
            }
            for row in rows
        ),
        key=lambda row: (
            row["site"],
            row["site_id"],
            list(SEASONS).index(row["season"]),
            row["weekday"],
            list(MOMENTS).index(row["moment"]),
        ),
    )


def parking_patterns(scope) -> dict[tuple, list[int]]:
    """The schedule patterns whose held stops make each cell: {cell key: [pattern ids]}, one
    query."""
    rows = (
        _held_stops(*_scope_args(scope))
        .filter(pattern__isnull=False)
        .values_list("site_id", "iso_weekday", "moment", "season", "pattern_id")
        .distinct()
    )
    patterns: dict[tuple, list[int]] = {}
    for site_id, iso_weekday, moment, season, pattern_id in rows:
        patterns.setdefault((site_id, iso_weekday - 1, moment, season), []).append(pattern_id)
    return {key: sorted(ids) for key, ids in patterns.items()}


@dataclass(frozen=True)
class Suggestion:
    cell: Cell | None  # None: the evening stops as a whole
    verdict: str
    estimate: Estimate
    reference: Estimate

    @property
    def gap(self) -> float:
        """The distance to the others' mean, relative to it (infinite when they had none)."""
        if not self.reference.mean:
            return math.inf
        return abs(self.estimate.mean - self.reference.mean) / self.reference.mean


@dataclass(frozen=True)
class Analysis:
    cells: list[Cell]
    total: Estimate
    evening: Estimate
    daytime: Estimate

    def reference(self, cell: Cell) -> Estimate:
        """The other held stops of the period."""
        return self.total - cell.estimate

    def verdict(self, cell: Cell) -> str:
        return cell.estimate.verdict(self.reference(cell))

    @property
    def evening_verdict(self) -> str:
        return self.evening.verdict(self.daytime)

    @property
    def evening_cells(self) -> list[Cell]:
        return [cell for cell in self.cells if cell.moment == EVENING]

    @property
    def suggestions(self) -> list[Suggestion]:
        """The supported ones, the largest gaps first; at most five."""
        found = []
        # The evenings as a whole, unless they are one cell: its own suggestion says the same.
        if self.evening_verdict in (BELOW, ABOVE) and len(self.evening_cells) > 1:
            found.append(Suggestion(None, self.evening_verdict, self.evening, self.daytime))
        for cell in self.cells:
            verdict = self.verdict(cell)
            if verdict in (BELOW, ABOVE):
                found.append(Suggestion(cell, verdict, cell.estimate, self.reference(cell)))
        found.sort(key=lambda suggestion: -suggestion.gap)
        return found[:MAX_SUGGESTIONS]


def parking_analysis(rows: list[dict]) -> Analysis:
    """The figures of `parking_figures` read: cells, whole period, evening and daytime."""
    cells = [
        Cell(
            site_id=row["site_id"],
            site=row["site"],
            weekday=row["weekday"],
            moment=row["moment"],
            season=row["season"],
            estimate=Estimate(row["stops"], row["visits"], row["squares"]),
            one_offs=row["one_offs"],
        )
        for row in rows
    ]
    total, evening = NONE, NONE
    for cell in cells:
        total += cell.estimate
        if cell.moment == EVENING:
            evening += cell.estimate
    return Analysis(cells=cells, total=total, evening=evening, daytime=total - evening)
