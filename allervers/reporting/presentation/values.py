"""How a figure is written for an audience: one `Formatter` for every output (page, PDF, XLSX,
CSV), and one rule that hides small counts from viewers, totals and ratios included."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SMALL = 5  # a count below this is never shown to a viewer
MASKED_COUNT = "< 5"
NOT_DISCLOSED = "n.c."
NO_DATA = "—"

FULL, VIEWER = "full", "viewer"


@dataclass(frozen=True)
class Value:
    """A figure: `raw` is what a spreadsheet stores (None when hidden or empty), `text` what a
    person reads. `about_people` is False for counts of the service's own activity (stops,
    sites, presences), which the small-count rule leaves alone."""

    raw: float | int | None
    text: str
    about_people: bool = True

    def __str__(self) -> str:
        return self.text


def _number(value: float, decimals: int = 0) -> str:
    """French writing, rounded half up as people do by hand (12.5 % reads 13 %)."""
    rounded = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")


class Formatter:
    """Formats figures for an audience: a viewer never reads a count below 5, nor a share,
    mean or median from which such a count could be worked out."""

    def __init__(self, audience: str):
        self.masking = audience == VIEWER

    def count(self, n: int | None) -> Value:
        n = n or 0
        if self.masking and n < SMALL:
            return Value(None, MASKED_COUNT)
        return Value(n, _number(n))

    def activity(self, n: int | None) -> Value:
        """A count of the service's own activity (stops, sites, presences, seats offered): no
        person can be recognised from it, so it is shown to every audience."""
        n = n or 0
        return Value(n, _number(n), about_people=False)

    def share(self, part: int, whole: int) -> Value:
        if not whole:
            return Value(None, NO_DATA)
        if self.masking and (part < SMALL or whole - part < SMALL):
            return Value(None, NOT_DISCLOSED)
        fraction = part / whole
        return Value(round(fraction, 4), f"{_number(fraction * 100)}\u00a0%")

    def _measure(self, value: float | None, n: int, decimals: int, unit: str) -> Value:
        if value is None or not n:
            return Value(None, NO_DATA)
        if self.masking and n < SMALL:
            return Value(None, NOT_DISCLOSED)
        rounded = round(value, decimals)
        return Value(rounded, f"{_number(value, decimals)}{unit}")

    def minutes(self, value: float | None, n: int) -> Value:
        return self._measure(value, n, 0, "\u00a0min")

    def days(self, value: float | None, n: int) -> Value:
        return self._measure(
            value, n, 0, "\u00a0jours" if value is None or value >= 1.5 else "\u00a0jour"
        )

    def ratio(self, part: int, whole: int) -> Value:
        if not whole:
            return Value(None, NO_DATA)
        if self.masking and whole < SMALL:  # with the part shown, it would give the whole
            return Value(None, NOT_DISCLOSED)
        return self._measure(part / whole, part, 1, "")
