"""A report ready to read: the figures of a scope (`queries.report_figures`), formatted for an
audience. The page, the PDF, the XLSX and the CSV all render one `ReportView`."""

from dataclasses import dataclass
from functools import cached_property

from allervers.operators.models import Operator

from ..charts import bar_chart
from ..definitions import INDICATORS, SCREENING_KEYS, Indicator
from ..models import YearClosure
from ..periods import YEAR, Period
from .alerts import AlertSection, alert_section
from .bookings import BookingSection, booking_section
from .details import detail_tables
from .headline import HeadlineFigure, headline_figures
from .paragraph import results_paragraph
from .screening import ScreeningSection, screening_section
from .summary import key_figures, report_tables
from .tables import KeyFigure, Table
from .values import FULL, VIEWER, Formatter


@dataclass
class ReportView:
    operator: Operator
    report: dict
    audience: str = FULL
    closure: YearClosure | None = None
    live_closure: YearClosure | None = None  # a closed year whose filtered figures are live
    site_name: str = ""
    partner_name: str = ""
    partner_only: bool = False  # a partner user's own figures
    # The period before's whole report (its own stored figures when closed), read with the same
    # rule as its own report; else the key figures stored in `report["previous"]`.
    previous_report: dict | None = None

    @cached_property
    def formatter(self) -> Formatter:
        return Formatter(self.audience)

    @property
    def masked(self) -> bool:
        return self.audience == VIEWER

    @cached_property
    def period(self) -> Period:
        return Period.from_dict(self.report["period"])

    @cached_property
    def previous(self) -> dict | None:
        return self.previous_report or self.report.get("previous")

    @cached_property
    def previous_label(self) -> str:
        if not self.previous:
            return "Période précédente"
        return Period.from_dict(self.previous["period"]).label

    @cached_property
    def previous_short_label(self) -> str:
        """« 2025 » for a year, else the period's label."""
        if not self.previous:
            return "Période précédente"
        period = Period.from_dict(self.previous["period"])
        return str(period.start.year) if period.kind == YEAR else period.label

    @cached_property
    def key_figures(self) -> list[KeyFigure]:
        return key_figures(self.report, self.formatter, self.previous)

    @cached_property
    def headline(self) -> list[HeadlineFigure]:
        """The first page's figures, with the period before's beside them."""
        return headline_figures(self.report, self.formatter, self.previous)

    @property
    def has_previous(self) -> bool:
        return any(figure.previous is not None for figure in self.headline)

    @cached_property
    def tables(self) -> list[Table]:
        return report_tables(self.report, self.formatter)

    @cached_property
    def detail_tables(self) -> list[Table]:
        """Every breakdown by site and by month (the dashboard, the XLSX and the CSV)."""
        return detail_tables(self.report, self.formatter)

    @cached_property
    def screening(self) -> ScreeningSection | None:
        """The screening of rights (non-recours): the page's and the PDF's section, and tables
        of the XLSX and the CSV."""
        return screening_section(
            self.report,
            self.formatter,
            filtered=bool(self.filter_lines()),
            partner_only=self.partner_only,
        )

    @cached_property
    def bookings(self) -> BookingSection:
        """Appointments and workshops: the page's and the PDF's section, and tables of the XLSX
        and the CSV."""
        return booking_section(self.report, self.formatter, partner_only=self.partner_only)

    @cached_property
    def alerts(self) -> AlertSection | None:
        """« Prévenez-moi »: the page's and the PDF's section, and tables of the XLSX and the
        CSV (none for a partner's report)."""
        return alert_section(self.report, self.formatter)

    @property
    def all_tables(self) -> list[Table]:
        """Every table of the XLSX and the CSV."""
        screening = self.screening.tables if self.screening else []
        alerts = self.alerts.tables if self.alerts else []
        return [*self.tables, *self.detail_tables, *screening, *self.bookings.tables, *alerts]

    @property
    def live_notice(self) -> str:
        """For a closed year whose filtered figures are computed now, the French notice."""
        if self.live_closure is None:
            return ""
        return (
            f"L'année {self.live_closure.year} est close, mais ces chiffres filtrés "
            f"n'ont pas été enregistrés à la clôture : ils sont calculés sur les données "
            f"actuelles et peuvent différer de ce qui a été publié (corrections ou effacements "
            f"faits depuis)."
        )

    def charts(self, id_prefix: str = "graphique") -> list[tuple[Table, str]]:
        return [(table, bar_chart(table, id_prefix=id_prefix)) for table in self.tables]

    @cached_property
    def charted_tables(self) -> list[tuple[Table, str]]:
        return self.charts()

    @cached_property
    def paragraph(self) -> str:
        return results_paragraph(self.report, self.formatter, self.operator.neighbourhood_name)

    @property
    def definitions(self) -> list[Indicator]:
        return [
            indicator
            for indicator in INDICATORS.values()
            if self.screening is not None or indicator.key not in SCREENING_KEYS
        ]

    def filter_lines(self) -> list[tuple[str, str]]:
        lines = []
        if self.site_name:
            lines.append(("Lieu de stationnement", self.site_name))
        if self.partner_name:
            lines.append(("Partenaire", self.partner_name))
        return lines

    @property
    def pdf_footer(self) -> str:
        """The page footer of the PDF, safe inside a CSS string in a <style> element."""
        text = f"{self.operator.name} — bilan {self.period.label}"
        return "".join(char for char in text if char not in '"\\<>')

    @property
    def file_stem(self) -> str:
        period = self.period
        if period.kind == YEAR:
            stem = f"{period.start.year}"
        else:
            stem = f"{period.start:%Y-%m-%d}-{period.end:%Y-%m-%d}"
        return f"bilan-{self.operator.slug}-{stem}"
