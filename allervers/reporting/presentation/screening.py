"""The report's section on the screening of rights (non-recours, `allervers/screening`): the
screenings made and, by kind of right, the rights found, referred, opened, refused and dropped,
with their estimated monthly amounts. The counts are cells of the one rule (`cells`): a viewer
reads them as every other count, and an amount is hidden with the count it sums over. The page,
the PDF, the XLSX and the CSV all read this one section."""

from dataclasses import dataclass, field

from .cells import SCREENING_TOTAL, screening_cell
from .tables import Table
from .values import Formatter, Group, Value

EUROS = "\u00a0€"
CAPTION = "Droits probablement non perçus repérés, orientations et droits ouverts"
SCREENINGS_CAPTION = "Repérages des droits faits"
TOTAL = "Total"
# (column, the count it reads, whether it is that count's estimated monthly amount)
COLUMNS = [
    ("Repérés", "found", False),
    ("Montant mensuel repéré", "found", True),
    ("Orientés", "referred", False),
    ("Ouverts", "opened", False),
    ("Montant mensuel ouvert", "opened", True),
    ("Refusés", "refused", False),
    ("Abandonnés", "dropped", False),
]
FILTERED = (
    "Ces chiffres portent sur toute la structure : ils ne sont pas disponibles avec un filtre "
    "par lieu ou par partenaire."
)
CLOSED_BEFORE = (
    "Cette année a été close avant l'arrivée du repérage des droits : ses chiffres n'ont pas "
    "été enregistrés à la clôture."
)


@dataclass
class ScreeningSection:
    notice: str = ""  # when there are no figures to show: why
    caption: str = CAPTION
    screenings: Value | None = None
    rows: list[list] = field(default_factory=list)  # [kind's label, Value...] in `COLUMNS` order
    total: list[Value] = field(default_factory=list)

    @property
    def columns(self) -> list[str]:
        return [column for column, _name, _amount in COLUMNS]

    @property
    def tables(self) -> list[Table]:
        """The section as the tables of the XLSX and the CSV (the same values as the page)."""
        if self.notice:
            return []
        screenings = Table(
            "reperages",
            SCREENINGS_CAPTION,
            "screenings",
            ["Mesure", "Valeur"],
            rows=[["Repérages faits", self.screenings]],
            chart_column=None,
        )
        rights = Table(
            "non-recours",
            self.caption,
            "screening",
            ["Droit", *self.columns],
            rows=[*self.rows, [TOTAL, *self.total]] if self.rows else [],
            chart_column=None,
        )
        return [screenings, rights]


def _values(g: Group, row: dict, kind: str) -> list[Value]:
    return [
        g.amount(row[f"{name}_amount"], screening_cell(name, kind), EUROS)
        if amount
        else g.count(screening_cell(name, kind))
        for _column, name, amount in COLUMNS
    ]


def screening_section(
    report: dict, fmt: Formatter, *, filtered: bool, partner_only: bool
) -> ScreeningSection | None:
    """The section for the report's audience; a partner's own report has none. With a site or
    partner filter, only a notice (the figures are the whole structure's: see `docs/
    indicators.md`). A closed year shows the figures stored at its closing; a year closed before
    the screening existed says so."""
    if partner_only:
        return None
    if filtered:
        return ScreeningSection(notice=FILTERED)
    figures = report.get("screening")
    if figures is None:
        return ScreeningSection(notice=CLOSED_BEFORE)
    g = fmt.of(report)
    return ScreeningSection(
        screenings=g.count(screening_cell("screenings")),
        rows=[[row["label"], *_values(g, row, row["kind"])] for row in figures["kinds"]],
        total=_values(g, figures["total"], SCREENING_TOTAL),
    )
