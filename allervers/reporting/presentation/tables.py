"""The objects every output renders: a key figure and a table (with its definition)."""

from dataclasses import dataclass, field

from ..definitions import INDICATORS
from .values import EMPTY, Formatter, Group, Value


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

    @property
    def labelled_rows(self) -> list[tuple[list[str], list[tuple[str, Value]]]]:
        """Each row as its labels and its figures, each with its column's name (which a narrow
        screen shows before the figure: the table is then read row by row)."""
        return [
            (self.labels(row), list(zip(self.figure_columns, self.figures(row), strict=False)))
            for row in self.rows
        ]

    def chart_bars(self) -> list[tuple[str, Value]]:
        if self.chart_column is None:
            return []
        return [(" — ".join(self.labels(row)), row[self.chart_column]) for row in self.rows]


def partner_scope(report: dict) -> bool:
    """Figures filtered on a partner (a partner user's own, or a coordinator's filter)."""
    return bool((report.get("filters") or {}).get("partner_id"))


def per_stop(g: Group, held: int, partner: bool, *, evening=None) -> Value:
    """Visits per held stop; for a partner, the visits where it was seen at the stops where it
    was present, per such stop (`visits_per_presence`). `evening`: True / False for the evening
    or daytime share of the group `g`, None for all of it."""
    if partner:
        measure = {None: "at_presence", True: "evening_at_presence", False: "day_at_presence"}
    else:
        measure = {None: "visits", True: "evening", False: "day"}
    return g.ratio(measure[evening], held)


PARTNER_COLUMNS = [
    "Permanences dans le bus",
    "Visites où il a été rencontré",
    "Orientations reçues",
    "Prises en charge",
    "Taux de prise en charge (part des orientations reçues)",
]


def partner_cells(g: Group, partner_id, presences: int) -> list[Value]:
    """A partner's figures in the group `g`, in the order of `PARTNER_COLUMNS`."""
    pid = str(partner_id)
    return [
        Formatter.activity(presences),
        g.count(("p", "visits_seen", pid)),
        g.count(("p", "referrals", pid)),
        g.count(("p", "taken_up", pid)),
        g.share(("p", "taken_up", pid), ("p", "referrals", pid)),
    ]


CYBER_COLUMNS = [
    "Permanences avec un relevé",
    "Postes utilisés",
    "Postes disponibles sur les permanences tenues",
    "Taux d'occupation (toutes les permanences tenues)",
    "Postes disponibles sur les permanences avec un relevé",
    "Taux d'occupation (permanences avec un relevé)",
    "Personnes accueillies au cyber@atelier",
    "Visites avec usage du cyber@atelier",
]


def cyber_cells(g: Group, cyber: dict, seats_held: int | None) -> list[Value]:
    """The cyber-atelier's figures of the group `g` (its seats, `cyber`; the seats of every held
    stop, `seats_held`, unknown for a year closed before it was stored), in the order of
    `CYBER_COLUMNS`."""
    return [
        Formatter.activity(cyber["stops_recorded"]),
        g.count(("c", "seats_used")),
        EMPTY if seats_held is None else Formatter.activity(seats_held),
        EMPTY if seats_held is None else g.share_of(("c", "seats_used"), seats_held),
        Formatter.activity(cyber["seats_offered"]),
        g.share_of(("c", "seats_used"), cyber["seats_offered"]),
        g.count(("c", "people")),
        g.count("cyber_used"),
    ]
