"""« Où et quand stationner » written for a reader: the coordinator's page and the section of
the yearly report (dashboard and PDF) render one `ParkingSection`.

Every number is written by the report's formatting (`values`): the calls are the three helpers
at the top of this module, so that a change of the rounding or of the small-count rule is made
there once. A viewer never reads a mean from which a count below 5 could be worked out.
"""

from dataclasses import dataclass, field
from fractions import Fraction

from allervers.planning.enums import Weekday

from ..parking import (
    ABOVE,
    BELOW,
    DEFINITIONS,
    FEW,
    LIKE,
    MIN_STOPS,
    MOMENTS,
    SEASONS,
    VERDICTS,
    Analysis,
    Cell,
    Estimate,
    Suggestion,
    parking_analysis,
)
from .values import NO_DATA, NOT_DISCLOSED, SMALL, Formatter, Value, number, written

# --- the only calls to the report's formatting ------------------------------------------------


def _decimal(value: float) -> str:
    """One decimal, the report's rounding (half up) and French writing."""
    return written(value, 1)


def _mean(formatter: Formatter, estimate: Estimate) -> Value:
    """Visits per held stop; hidden from a viewer when the visits or the stops are below 5
    (mean × stops gives the visits)."""
    if not estimate.stops:
        return Value(None, NO_DATA)
    if formatter.masking and (estimate.visits < SMALL or estimate.stops < SMALL):
        return Value(None, NOT_DISCLOSED)
    return number(Fraction(estimate.visits, estimate.stops), 1)  # exact, rounded once


def _interval(formatter: Formatter, estimate: Estimate) -> str:
    if _mean(formatter, estimate).raw is None:
        return _mean(formatter, estimate).text
    low, high = estimate.interval
    return f"{_decimal(low)} à {_decimal(high)}"


# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PatternLink:
    pattern_id: int
    label: str


@dataclass(frozen=True)
class Row:
    cell: Cell
    stops: Value
    visits: Value
    mean: Value
    interval: str
    reading: str
    patterns: list[PatternLink]

    @property
    def season(self) -> str:
        return SEASONS[self.cell.season]

    @property
    def weekday(self) -> str:
        return Weekday(self.cell.weekday).label

    @property
    def moment(self) -> str:
        return MOMENTS[self.cell.moment]


@dataclass(frozen=True)
class Comparison:
    label: str
    stops: Value
    visits: Value
    mean: Value
    interval: str


@dataclass(frozen=True)
class SuggestionText:
    text: str
    patterns: list[PatternLink] = field(default_factory=list)
    one_offs: int = 0


def _visits_word(value: Value) -> str:
    return "visite" if value.raw is not None and value.raw < 2 else "visites"


def _suggestion(
    suggestion: Suggestion, formatter: Formatter, patterns: dict
) -> SuggestionText | None:
    mean = _mean(formatter, suggestion.estimate)
    other = _mean(formatter, suggestion.reference)
    if mean.raw is None or other.raw is None:
        return None
    stops = suggestion.estimate.stops
    cell = suggestion.cell
    if cell is None:
        advice = (
            "Les soirées attirent moins que la journée."
            if suggestion.verdict == BELOW
            else "Les soirées attirent davantage que la journée : à développer ?"
        )
        return SuggestionText(
            f"Les permanences du soir reçoivent {mean} {_visits_word(mean)} par permanence "
            f"contre {other} en journée, sur {stops} permanences du soir. {advice}"
        )
    advice = (
        "Un autre jour, une autre heure ou un autre lieu attirerait peut-être davantage."
        if suggestion.verdict == BELOW
        else "Un créneau qui attire : à garder, voire à renforcer."
    )
    return SuggestionText(
        f"{cell.site}, {cell.slot} ({SEASONS[cell.season]}) : {mean} {_visits_word(mean)} par "
        f"permanence contre {other} en moyenne pour les autres permanences, sur {stops} "
        f"permanences. {advice}",
        patterns=patterns.get(cell.key, []),
        one_offs=cell.one_offs,
    )


def _evening_conclusion(analysis: Analysis) -> str:
    if not analysis.evening.stops:
        return "Aucune permanence du soir (à partir de 17 h) sur la période."
    if not analysis.daytime.stops:
        return "Aucune permanence de journée sur la période : rien à comparer."
    return {
        FEW: f"Trop peu de permanences du soir ou de journée (n < {MIN_STOPS}) pour conclure.",
        LIKE: "Pas d'écart net entre les soirées et les journées.",
        BELOW: "Les soirées reçoivent nettement moins de visites que les journées.",
        ABOVE: "Les soirées reçoivent nettement plus de visites que les journées.",
    }[analysis.evening_verdict]


@dataclass
class ParkingSection:
    rows: list[Row]
    total: Comparison
    evening: list[Comparison]
    evening_conclusion: str
    evening_rows: list[Row]
    suggestions: list[SuggestionText]
    definitions: list = field(default_factory=lambda: list(DEFINITIONS))


def parking_section(
    figures: list[dict], formatter: Formatter, patterns: dict | None = None
) -> ParkingSection:
    """`figures`: `parking.parking_figures`; `patterns`: {cell key: [PatternLink]} (the page
    links them; the report does not)."""
    patterns = patterns or {}
    analysis = parking_analysis(figures)

    def comparison(label: str, estimate: Estimate) -> Comparison:
        return Comparison(
            label=label,
            stops=formatter.activity(estimate.stops),
            visits=formatter.count(estimate.visits),
            mean=_mean(formatter, estimate),
            interval=_interval(formatter, estimate) if estimate.stops else NO_DATA,
        )

    rows = [
        Row(
            cell=cell,
            stops=formatter.activity(cell.estimate.stops),
            visits=formatter.count(cell.estimate.visits),
            mean=_mean(formatter, cell.estimate),
            interval=_interval(formatter, cell.estimate),
            reading=VERDICTS[analysis.verdict(cell)],
            patterns=patterns.get(cell.key, []),
        )
        for cell in analysis.cells
    ]
    suggestions = [
        text
        for suggestion in analysis.suggestions
        if (text := _suggestion(suggestion, formatter, patterns)) is not None
    ]
    return ParkingSection(
        rows=rows,
        total=comparison("Toutes les permanences", analysis.total),
        evening=[
            comparison("Soir (à partir de 17 h)", analysis.evening),
            comparison("Journée (avant 17 h)", analysis.daytime),
        ],
        evening_conclusion=_evening_conclusion(analysis),
        evening_rows=[row for row in rows if row.cell.moment == "evening"],
        suggestions=suggestions,
    )
