"""The report as files: PDF (WeasyPrint), XLSX (openpyxl, one sheet per table) and CSV.

They render the same `ReportView` objects as the page: the same figures, the same hiding of
small counts for viewers, and never a row per person nor any free text.
"""

import csv
import io

from django.template.loader import render_to_string
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from allervers.core.spreadsheets import sheet_title_text, spreadsheet_row

from .definitions import INDICATORS
from .presentation.values import Value

INVALID_SHEET_CHARACTERS = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_title(caption: str, used: set[str]) -> str:
    base = sheet_title_text(caption.translate(INVALID_SHEET_CHARACTERS).strip())[:31]
    title, number = base, 2
    while title.lower() in used:
        suffix = f" ({number})"
        title = base[: 31 - len(suffix)] + suffix
        number += 1
    used.add(title.lower())
    return title


def _cell(value) -> object:
    if isinstance(value, Value):
        return value.raw if value.raw is not None else value.text
    return str(value)


def _number_format(value) -> str | None:
    if isinstance(value, Value) and value.raw is not None and value.text.endswith("%"):
        return "0%"
    return None


def report_xlsx(view) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    used: set[str] = set()

    def append(sheet, row) -> None:
        """Names typed by users (the operator, sites, partners, topics) stay text."""
        sheet.append(spreadsheet_row(row))

    summary = workbook.active
    summary.title = _sheet_title("Résumé", used)
    append(summary, [f"Bilan d'activité — {view.operator.name}"])
    summary["A1"].font = Font(bold=True, size=14)
    append(summary, ["Période", view.period.label])
    append(summary, ["Du", view.period.start, "au", view.period.end])
    for label, value in view.filter_lines():
        append(summary, [label, value])
    if view.closure:
        append(summary, ["Année close le", timezone.localtime(view.closure.closed_at).date()])
    if view.live_notice:
        append(summary, ["Chiffres actuels", view.live_notice])
    append(summary, [])
    append(summary, ["Résultats", view.paragraph])
    summary.cell(row=summary.max_row, column=2).alignment = wrap
    summary.column_dimensions["A"].width = 22
    summary.column_dimensions["B"].width = 100

    figures = workbook.create_sheet(_sheet_title("Chiffres clés", used))
    append(figures, ["Indicateur", view.period.label, view.previous_label, "Définition"])
    for figure in view.key_figures:
        row = [
            figure.label,
            _cell(figure.value),
            _cell(figure.previous) if figure.previous else None,
            figure.definition,
        ]
        append(figures, row)
        for column, value in ((2, figure.value), (3, figure.previous)):
            if fmt := _number_format(value):
                figures.cell(row=figures.max_row, column=column).number_format = fmt
    figures.column_dimensions["A"].width = 38
    figures.column_dimensions["D"].width = 90

    for table in view.all_tables:
        sheet = workbook.create_sheet(_sheet_title(table.sheet_title, used))
        append(sheet, table.columns)
        for row in table.rows:
            append(sheet, [_cell(value) for value in row])
            for column, value in enumerate(row, start=1):
                if fmt := _number_format(value):
                    sheet.cell(row=sheet.max_row, column=column).number_format = fmt
        append(sheet, [])
        append(sheet, [f"Définition : {table.definition}"])
        sheet.column_dimensions["A"].width = 40

    definitions = workbook.create_sheet(_sheet_title("Définitions", used))
    append(definitions, ["Chiffre", "Définition"])
    for indicator in INDICATORS.values():
        append(definitions, [indicator.label, indicator.definition])
    definitions.column_dimensions["A"].width = 38
    definitions.column_dimensions["B"].width = 110

    for sheet in workbook.worksheets:
        for cell in sheet[1]:
            cell.font = bold
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _csv_value(value) -> str:
    if isinstance(value, Value):
        if value.raw is None:
            return ""
        return str(value.raw).replace(".", ",")
    return str(value)


def report_csv(view) -> str:
    """One line per figure: table; row; column; value (empty when hidden); value as shown."""
    out = io.StringIO()
    out.write("\ufeff")  # so that spreadsheet software reads UTF-8
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["tableau", "ligne", "colonne", "valeur", "texte"])
    for figure in view.key_figures:
        writer.writerow(
            spreadsheet_row(
                ["Chiffres clés", figure.label, view.period.label, *_pair(figure.value)]
            )
        )
        if figure.previous is not None:
            writer.writerow(
                spreadsheet_row(
                    ["Chiffres clés", figure.label, view.previous_label, *_pair(figure.previous)]
                )
            )
    for table in view.all_tables:
        for row in table.rows:
            # Row and column labels may be names typed by users (sites, partners, topics).
            label = " — ".join(table.labels(row))
            for column, value in zip(table.figure_columns, table.figures(row), strict=True):
                writer.writerow(spreadsheet_row([table.caption, label, column, *_pair(value)]))
    return out.getvalue()


def _pair(value: Value) -> list[str]:
    return [_csv_value(value), value.text]


def report_pdf(view, request) -> bytes:
    from weasyprint import HTML  # imported here: loading Pango takes a moment

    html = render_to_string("reporting/report_pdf.html", {"view": view}, request=request)
    return HTML(string=html, base_url=request.build_absolute_uri("/")).write_pdf()
