"""How a figure is written for an audience: one rounding rule and one writing (`rounded`,
`written`) for every output (page, PDF, XLSX, CSV), and one rule that hides small counts from
viewers, totals and ratios included (`cells.Cells`, read through `Counts`)."""

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from allervers.core import french

from .cells import PRIMARY, SMALL, Cells, group_key

MASKED_COUNT = "< 5"
NOT_DISCLOSED = "n.c."
NO_DATA = "—"

FULL, VIEWER = "full", "viewer"

# The spreadsheet's display formats, matching what the page shows.
COUNT_FORMAT, PERCENT_FORMAT, ONE_DECIMAL_FORMAT = "#,##0", "0%", "0.0"


@dataclass(frozen=True)
class Value:
    """A figure: `raw` is what a spreadsheet or the CSV stores (None when hidden or empty),
    already rounded as `text` shows it; `text` what a person reads; `number_format` the
    spreadsheet's display format. `about_people` is False for counts of the service's own
    activity (stops, sites, presences), which the small-count rule leaves alone."""

    raw: float | int | None
    text: str
    about_people: bool = True
    number_format: str = COUNT_FORMAT

    def __str__(self) -> str:
        return self.text

    @property
    def hidden(self) -> bool:
        return self.text in (MASKED_COUNT, NOT_DISCLOSED)


# A figure before it is written: exact (an integer, a `Fraction` of two counts or durations, a
# `Decimal` sum of amounts), or its stored writing in a closed year: "641/2" or "2500.00" (see
# `queries.stored`), or a float stored by an earlier version (rounded to two decimals then).
Exact = Fraction | Decimal | int | float | str


def exact(value: Exact) -> Fraction:
    """`value` as an exact number; a float as its shortest decimal writing (what it was meant
    to be: 57.5, not 57.49999…)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def rounded(value: Exact, decimals: int = 0) -> Decimal:
    """The one rounding rule of every output, applied once to the exact value: half up, as
    people do by hand (23 / 40 = 57.5 % reads 58 %, 38.5 min reads 39 min, 8.4965 days reads
    8 days — never rounded to two decimals first)."""
    scaled = exact(value) * 10**decimals
    whole = math.floor(abs(scaled) + Fraction(1, 2))
    return Decimal(whole if scaled >= 0 else -whole).scaleb(-decimals)


def written(value: Exact, decimals: int = 0) -> str:
    """French writing of `value` rounded by `rounded` (thin spaces between thousands)."""
    return f"{rounded(value, decimals):,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


def _stored(value: Exact, decimals: int) -> int | float:
    """The number a spreadsheet holds: exactly the one shown."""
    number = rounded(value, decimals)
    return int(number) if decimals <= 0 else float(number)


def number(value: Exact, decimals: int = 0, unit: str = "", *, about_people=True) -> Value:
    return Value(
        _stored(value, decimals),
        f"{written(value, decimals)}{unit}",
        about_people,
        COUNT_FORMAT if decimals == 0 else ONE_DECIMAL_FORMAT,
    )


def percent(fraction: Exact) -> Value:
    """A share, shown as a whole percentage and stored as that percentage over 100."""
    hundredfold = exact(fraction) * 100
    whole = rounded(hundredfold)
    return Value(float(whole / 100), f"{written(hundredfold)}\u00a0%", True, PERCENT_FORMAT)


HIDDEN_COUNT = Value(None, MASKED_COUNT)
HIDDEN = Value(None, NOT_DISCLOSED)
EMPTY = Value(None, NO_DATA)


def plural(value: "Value | int", one: str, many: str) -> str:
    """The word for a figure as shown: a hidden one (« < 5 ») never tells its number."""
    return french.plural(value.raw if isinstance(value, Value) else value, one, many)


class Counts:
    """What an audience reads of one report's counts: counts, shares, ratios, means and
    medians of a group (the scope, a site, a month), each hidden when the rule says so."""

    def __init__(self, report: dict, masking: bool):
        self.masking = masking
        self.cells = Cells(report, masking=masking)

    def group(self, row: dict | None = None) -> "Group":
        return Group(self, group_key(row))


class Group:
    def __init__(self, counts: Counts, key: tuple):
        self.counts, self.key = counts, key

    def n(self, measure) -> int:
        return self.counts.cells.value(self.key, measure)

    def hidden(self, measure) -> str | None:
        cells = self.counts.cells
        if not self.counts.masking:
            return None
        if (self.key, measure) not in cells:
            return PRIMARY if self.n(measure) < SMALL else None
        return cells.hidden(self.key, measure)

    def count(self, measure) -> Value:
        state = self.hidden(measure)
        if state == PRIMARY:
            return HIDDEN_COUNT
        if state:
            return HIDDEN
        return number(self.n(measure))

    def share(self, part, whole) -> Value:
        """`part` over `whole` (two cells of the group), hidden when either is."""
        if not self.n(whole):
            return EMPTY
        if self.hidden(part) or self.hidden(whole):
            return HIDDEN
        return percent(Fraction(self.n(part), self.n(whole)))

    def share_of(self, part, whole: int) -> Value:
        """`part` (a cell) over `whole`, a count of the service's activity (seats offered)."""
        if not whole:
            return EMPTY
        if self.hidden(part):
            return HIDDEN
        return percent(Fraction(self.n(part), whole))

    def ratio(self, part, whole: int) -> Value:
        """`part` (a cell) per `whole` (held stops, presences), one decimal."""
        if not whole:
            return EMPTY
        if self.hidden(part):
            return HIDDEN
        return number(Fraction(self.n(part), whole), 1)

    def measure(self, value: Exact | None, n, unit: str) -> Value:
        """A mean or a median over the `n` cell (minutes, days), as a whole number."""
        if value is None or not self.n(n):
            return EMPTY
        if self.hidden(n):
            return HIDDEN
        return number(value, 0, unit)

    def amount(self, value: Exact | None, n, unit: str) -> Value:
        """A sum of amounts over the `n` cell (the screening's estimated euros), hidden with
        its count: a sum over fewer than 5 people, or over a count that would give one away,
        is never shown."""
        if self.hidden(n):
            return HIDDEN
        return number(value or 0, 0, unit)

    def minutes(self, value: Exact | None, n="with_duration") -> Value:
        return self.measure(value, n, "\u00a0min")

    def days(self, value: Exact | None, n="taken_up") -> Value:
        unit = "\u00a0jour" if value is not None and rounded(value) < 2 else "\u00a0jours"
        return self.measure(value, n, unit)


class Formatter:
    """Formats a report's figures for an audience: a viewer never reads a count below 5, nor a
    count, share, mean or median from which such a count could be worked out."""

    def __init__(self, audience: str):
        self.audience = audience
        self.masking = audience == VIEWER
        self._counts: dict[int, tuple[dict, Counts]] = {}

    def of(self, report: dict, row: dict | None = None) -> Group:
        """The group `row` (a site's or a month's row, or None for the scope) of `report`."""
        known = self._counts.get(id(report))
        if known is None or known[0] is not report:
            known = (report, Counts(report, self.masking))
            self._counts[id(report)] = known
        return known[1].group(row)

    def cells(self, report: dict) -> Cells:
        return self.of(report).counts.cells

    def count(self, n: int | None) -> Value:
        """A count that is no cell of the report's rule (« Où et quand stationner », read by
        coordinators only): hidden from a viewer when small."""
        n = n or 0
        return HIDDEN_COUNT if self.masking and n < SMALL else number(n)

    @staticmethod
    def activity(n: int | None) -> Value:
        """A count of the service's own activity (stops, sites, presences, seats offered): no
        person can be recognised from it, so it is shown to every audience."""
        return number(n or 0, about_people=False)
