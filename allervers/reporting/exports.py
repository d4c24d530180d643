"""The report as files: PDF (WeasyPrint), XLSX (openpyxl: a summary, one sheet per family of
breakdowns, the definitions) and CSV.

They render the same `ReportView` objects as the page: the same figures, the same hiding of
small counts for viewers, and never a row per person nor any free text.
"""

import csv
import io
from pathlib import Path

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from allervers.core.pdf import pdf_from_template
from allervers.core.spreadsheets import spreadsheet_row

from .definitions import INDICATORS
from .pdf_columns import tables_fix
from .presentation.values import Value
from .queries import BREAKDOWNS

PDF_STYLESHEET = Path(__file__).resolve().parent / "report_pdf.css"

# The spreadsheet's sheets of breakdowns: one per family, every figure a row (long format,
# for pivot tables).
ACTIVITY, PUBLIC, TOPICS, PARTNERS, SCREENING, BOOKINGS = (
    "Activité",
    "Public",
    "Thématiques",
    "Partenaires et orientations",
    "Repérage des droits",
    "Rendez-vous et ateliers",
)
SCREENING_TABLES = ("screenings", "screening")
BOOKING_TABLES = ("appointments", "workshops")
FAMILY_COLUMNS = [
    "Tableau",
    "Regroupement",
    "Lieu ou mois",
    "Ligne",
    "Colonne",
    "Valeur",
    "Texte affiché",
]
GROUPINGS = {"by_site": "Par lieu", "by_month": "Par mois"}


def table_family(table) -> str:
    if table.key in BREAKDOWNS:
        return PUBLIC
    if table.key == "topics":
        return TOPICS
    if table.key in ("partners", "referrals"):
        return PARTNERS
    if table.key in SCREENING_TABLES:
        return SCREENING
    if table.key in BOOKING_TABLES:
        return BOOKINGS
    return ACTIVITY


def table_lines(table) -> list[tuple[str, str, str, str, Value]]:
    """Every figure of `table` as (grouping, site or month, row, column, value)."""
    lines = []
    grouping = table.group_key or (table.key if table.key in GROUPINGS else "")
    for row in table.rows:
        labels = table.labels(row)
        if grouping:
            group, line = labels[0], " — ".join(labels[1:])
        else:
            group, line = "", " — ".join(labels)
        for column, value in zip(table.figure_columns, table.figures(row), strict=True):
            lines.append((GROUPINGS.get(grouping, "Ensemble"), group, line, column, value))
    return lines


def _cell(value) -> object:
    if isinstance(value, Value):
        return value.raw if value.raw is not None else value.text
    return value


def _append(sheet, row) -> None:
    """Names typed by users (the operator, sites, partners, topics) stay text; a figure is
    stored as the number shown, with the display format of the page."""
    sheet.append(spreadsheet_row([_cell(value) for value in row]))
    for column, value in enumerate(row, start=1):
        if isinstance(value, Value) and value.raw is not None:
            sheet.cell(row=sheet.max_row, column=column).number_format = value.number_format


def report_xlsx(view) -> bytes:
    """A summary sheet (the first page, the results, every key figure), one sheet per family
    of breakdowns in long format, and the definitions."""
    workbook = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    summary = workbook.active
    summary.title = "Résumé"
    _append(summary, [f"Bilan d'activité — {view.operator.name}"])
    summary["A1"].font = Font(bold=True, size=14)
    _append(summary, ["Période", view.period.label])
    _append(summary, ["Du", view.period.start, "au", view.period.end])
    for label, value in view.filter_lines():
        _append(summary, [label, value])
    if view.closure:
        _append(summary, ["Année close le", timezone.localtime(view.closure.closed_at).date()])
    if view.live_notice:
        _append(summary, ["Chiffres actuels", view.live_notice])
    if view.masked:
        _append(summary, ["Petits effectifs", INDICATORS["small_counts"].definition])
    _append(summary, [])
    _append(summary, ["L'essentiel", view.period.label, "", view.previous_short_label])
    summary.cell(row=summary.max_row, column=1).font = bold
    for figure in view.headline:
        _append(
            summary,
            [figure.label, figure.value, figure.words, figure.previous, figure.previous_words],
        )
    _append(summary, [])
    _append(summary, ["Résultats", view.paragraph])
    summary.cell(row=summary.max_row, column=2).alignment = wrap
    _append(summary, [])
    _append(summary, ["Chiffres clés", view.period.label, view.previous_label, "Définition"])
    summary.cell(row=summary.max_row, column=1).font = bold
    for figure in view.key_figures:
        _append(summary, [figure.label, figure.value, figure.previous, figure.definition])
    summary.column_dimensions["A"].width = 38
    summary.column_dimensions["B"].width = 16
    summary.column_dimensions["C"].width = 50

    families: dict[str, object] = {}
    screening = view.screening
    for family in (ACTIVITY, PUBLIC, TOPICS, PARTNERS, SCREENING, BOOKINGS):
        if family == SCREENING and screening is None:
            continue  # a partner's own report
        sheet = workbook.create_sheet(family)
        _append(sheet, FAMILY_COLUMNS)
        sheet.column_dimensions["A"].width = 40
        sheet.column_dimensions["E"].width = 40
        families[family] = sheet
    if screening is not None and screening.notice:
        _append(families[SCREENING], [screening.caption, "", "", "", "", None, screening.notice])
    for notice in view.bookings.notices:
        _append(families[BOOKINGS], [view.bookings.title, "", "", "", "", None, notice])
    for table in view.all_tables:
        sheet = families[table_family(table)]
        for grouping, group, line, column, value in table_lines(table):
            _append(sheet, [table.caption, grouping, group, line, column, value, value.text])

    definitions = workbook.create_sheet("Définitions")
    _append(definitions, ["Chiffre", "Définition"])
    for indicator in view.definitions:
        _append(definitions, [indicator.label, indicator.definition])
    definitions.column_dimensions["A"].width = 38
    definitions.column_dimensions["B"].width = 110

    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_number(value: Value) -> str:
    """The CSV's number: the spreadsheet's, with a decimal comma; empty when hidden."""
    if value.raw is None:
        return ""
    return str(value.raw).replace(".", ",")


def report_csv(view) -> str:
    """One line per figure: table; row; column; value (empty when hidden); value as shown."""
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet software reads UTF-8
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["tableau", "ligne", "colonne", "valeur", "texte"])

    def line(table: str, row: str, column: str, value: Value) -> None:
        # Row and column labels may be names typed by users (sites, partners, topics).
        writer.writerow(spreadsheet_row([table, row, column, csv_number(value), value.text]))

    for figure in view.headline:
        line("L'essentiel", figure.label, view.period.label, figure.value)
        if figure.previous is not None:
            line("L'essentiel", figure.label, view.previous_label, figure.previous)
    for figure in view.key_figures:
        line("Chiffres clés", figure.label, view.period.label, figure.value)
        if figure.previous is not None:
            line("Chiffres clés", figure.label, view.previous_label, figure.previous)
    for table in view.all_tables:
        for row in table.rows:
            label = " — ".join(table.labels(row))
            for column, value in zip(table.figure_columns, table.figures(row), strict=True):
                line(table.caption, label, column, value)
    if view.screening is not None and view.screening.notice:
        writer.writerow([view.screening.caption, "", "", "", view.screening.notice])
    for notice in view.bookings.notices:
        writer.writerow([view.bookings.title, "", "", "", notice])
    return out.getvalue()


def report_pdf(view, request) -> bytes:
    return pdf_from_template(
        "reporting/report_pdf.html",
        {"view": view},
        request=request,
        stylesheet=PDF_STYLESHEET,
        prepare=tables_fix,  # each table's column widths given: WeasyPrint measures no cell twice
    )
