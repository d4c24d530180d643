"""The objects every output renders: a key figure and a table (with its definition)."""

from dataclasses import dataclass, field

from ..definitions import INDICATORS
from .values import Formatter, Value


@dataclass
class KeyFigure:
    key: str
    label: str
    value: Value
    previous: Value | None = None

    @property
    def definition(self) -> str:
        return INDICATORS[self.key].definition


@dataclass
class Table:
    slug: str
    caption: str
    key: str  # the indicator whose definition explains the table
    columns: list[str]  # the first `row_headers` ones head the row labels
    rows: list[list] = field(default_factory=list)  # [label(s)..., Value, Value, ...]
    chart_column: int | None = 1  # which column the bar chart draws (1 = first figure)
    row_headers: int = 1  # leading label cells of each row (2: a site or month, a partner)
    group_key: str | None = None  # "by_site" / "by_month" for a breakdown by site or month
    sheet: str = ""  # the spreadsheet's sheet name (31 characters at most), else the caption

    @property
    def definition(self) -> str:
        text = INDICATORS[self.key].definition
        if self.group_key:
            text += " " + INDICATORS[self.group_key].definition
        return text

    @property
    def sheet_title(self) -> str:
        return (self.sheet or self.caption)[:31]  # a spreadsheet's limit

    @property
    def figure_columns(self) -> list[str]:
        return self.columns[self.row_headers :]

    def labels(self, row: list) -> list[str]:
        return [str(label) for label in row[: self.row_headers]]

    def figures(self, row: list) -> list[Value]:
        return row[self.row_headers :]

    def chart_bars(self) -> list[tuple[str, Value]]:
        if self.chart_column is None:
            return []
        return [(" — ".join(self.labels(row)), row[self.chart_column]) for row in self.rows]


def partner_scope(report: dict) -> bool:
    """Figures filtered on a partner (a partner user's own, or a coordinator's filter)."""
    return bool((report.get("filters") or {}).get("partner_id"))


def per_stop(row: dict, held: int, fmt: Formatter, partner: bool, *, evening=None) -> Value:
    """Visits per held stop; for a partner, the visits where it was seen at the stops where it
    was present, per such stop (`visits_per_presence`). `evening`: True / False for the evening
    or daytime share of `row`, None for all of it."""
    if partner:
        count = row.get("at_presence", 0)
        if evening is not None:
            count_evening = row.get("evening_at_presence", 0)
            count = count_evening if evening else count - count_evening
    else:
        count = row["visits"]
        if evening is not None:
            count = row["evening"] if evening else count - row["evening"]
    return fmt.ratio(count, held)


PARTNER_COLUMNS = [
    "Permanences dans le bus",
    "Visites où il a été rencontré",
    "Orientations reçues",
    "Prises en charge",
    "Taux de prise en charge",
]


def partner_cells(counts: dict, fmt: Formatter) -> list[Value]:
    """A partner's figures, in the order of `PARTNER_COLUMNS`."""
    return [
        fmt.activity(counts["presences"]),
        fmt.count(counts["visits_seen"]),
        fmt.count(counts["referrals"]),
        fmt.count(counts["taken_up"]),
        fmt.share(counts["taken_up"], counts["referrals"]),
    ]


CYBER_COLUMNS = [
    "Permanences avec un relevé",
    "Postes utilisés",
    "Postes disponibles",
    "Taux d'occupation des postes",
    "Personnes accueillies au cyber@atelier",
    "Visites avec usage du cyber@atelier",
]


def cyber_cells(cyber: dict, cyber_used: int, fmt: Formatter) -> list[Value]:
    """The cyber-atelier's figures (its seats, `cyber`, and the visits that used it), in the
    order of `CYBER_COLUMNS`."""
    return [
        fmt.activity(cyber["stops_recorded"]),
        fmt.count(cyber["seats_used"]),
        fmt.activity(cyber["seats_offered"]),
        fmt.share(cyber["seats_used"], cyber["seats_offered"]),
        fmt.count(cyber["people"]),
        fmt.count(cyber_used),
    ]
