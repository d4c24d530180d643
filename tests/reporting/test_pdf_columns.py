"""The PDF's tables with their column widths given (issue 27, point 5: the PDF in seconds): the
widths the automatic layout would choose, so that WeasyPrint measures no cell twice — and the
same document, word for word."""

import io
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import RequestFactory
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

from allervers.core.pdf import pdf_from_template, stylesheet_load
from allervers.reporting import pdf_columns
from allervers.reporting.exports import PDF_STYLESHEET
from allervers.reporting.pdf_columns import PAGE_WIDTH, tables_fix
from allervers.reporting.periods import Period
from allervers.reporting.presentation.view import ReportView
from allervers.reporting.queries import Scope, report_compute

from .conftest import TODAY, YEAR

needs_font = pytest.mark.skipif(
    pdf_columns._advances(False) is None, reason="DejaVu Sans is not installed"
)


def _table(head: list[str], rows: list[list[str]], classes: str = "figures") -> str:
    header = "".join(f'<th scope="col">{cell}</th>' for cell in head)
    body = "".join(
        "<tr>"
        + f'<th scope="row">{row[0]}</th>'
        + "".join(f'<td class="num">{cell}</td>' for cell in row[1:])
        + "</tr>"
        for row in rows
    )
    return (
        f'<table class="{classes}">\n<caption>Par lieu</caption>\n<thead><tr>{header}</tr>'
        f"</thead>\n<tbody>{body}</tbody></table>"
    )


FOOTER = re.compile(r"[^\n]*— page \d+ sur \d+")


def _widths(document: str) -> list[list[float]]:
    return [
        [float(width) for width in re.findall(r"width: ([\d.]+)pt", group)]
        for group in re.findall(r"<colgroup>(.*?)</colgroup>", document)
    ]


@needs_font
def test_a_narrow_table_gets_the_first_columns_share_and_the_page_width():
    document = tables_fix(_table(["Réponse", "Visites"], [["Femme", "12"], ["Homme", "8"]]))
    assert '<table class="figures" style="table-layout: fixed">' in document
    # The columns come right after the caption, before the header.
    assert re.search(r"</caption>\n?<colgroup>.*</colgroup>\n<thead>", document)
    [widths] = _widths(document)
    assert widths[0] == pytest.approx(0.22 * PAGE_WIDTH, abs=0.1)
    assert sum(widths) == pytest.approx(PAGE_WIDTH, abs=0.2)


def _size(document: str) -> float | None:
    found = re.search(r"font-size: ([\d.]+)pt", document)
    return float(found.group(1)) if found else None


@needs_font
def test_every_column_is_at_least_as_wide_as_its_longest_word_and_the_table_fits_the_page():
    head = ["Lieu", *["Permanences tenues"] * 7]
    document = tables_fix(_table(head, [["Place A", *["1"] * 7]]))
    [widths] = _widths(document)
    # Seven such words do not stand side by side at 7.5 pt: the table is set smaller, never wider
    # than the text (it ran to the paper's edge), never a word cut.
    size = _size(document)
    assert pdf_columns.SMALLEST_SIZE <= size < 7.5
    word = pdf_columns._width("Permanences", True, size)  # a header: bold
    assert all(width >= word + 8 for width in widths[1:])
    assert sum(widths) == pytest.approx(PAGE_WIDTH, abs=0.2)


@needs_font
def test_a_table_too_wide_even_in_the_smallest_type_is_wider_than_the_text():
    head = ["Lieu", *["Permanences tenues"] * 20]
    document = tables_fix(_table(head, [["Place A", *["1"] * 20]]))
    [widths] = _widths(document)
    assert _size(document) is None
    word = pdf_columns._width("Permanences", True, 7.5)
    assert all(width >= word + 8 for width in widths[1:])
    assert sum(widths) > PAGE_WIDTH


def test_a_table_with_merged_cells_or_a_style_keeps_the_automatic_layout():
    merged = '<table><tr><td colspan="2">Total</td></tr></table>'
    styled = '<table style="width: 50%"><tr><td>Total</td></tr></table>'
    assert tables_fix(merged) == merged
    assert tables_fix(styled) == styled


def test_without_the_measured_font_nothing_changes(monkeypatch):
    monkeypatch.setattr(pdf_columns, "_advances", lambda bold: None)
    document = _table(["Réponse", "Visites"], [["Femme", "12"]])
    assert tables_fix(document) == document


def _text_boxes_out_of_their_cells(document) -> list[str]:
    out = []

    def walk(box, cell=None):
        if isinstance(box, boxes.TableCellBox):
            cell = box
        inside = cell is not None and isinstance(box, boxes.TextBox)
        if inside and box.position_x + box.width > cell.content_box_x() + cell.width + 0.01:
            out.append(box.text)
        for child in getattr(box, "children", []):
            walk(child, cell)

    for page in document.pages:
        walk(page._page_box)
    return out


@needs_font
@pytest.mark.django_db
def test_the_report_reads_the_same_with_the_widths_given(dataset):
    """Word for word the same PDF as with the automatic layout (on as many pages or fewer: the
    tables too wide for the page are set smaller), every table inside the page, and no text
    wider than its cell."""
    view = ReportView(
        operator=dataset.operator,
        report=report_compute(Scope(dataset.operator.pk, Period.year(YEAR), TODAY)),
    )
    request = RequestFactory().get("/")
    request.user = AnonymousUser()

    def pdf(prepare) -> bytes:
        return pdf_from_template(
            "reporting/report_pdf.html",
            {"view": view},
            request=request,
            stylesheet=PDF_STYLESHEET,
            prepare=prepare,
        )

    def words(content: bytes) -> tuple[int, list[str]]:
        pages = PdfReader(io.BytesIO(content)).pages
        # The footer of each page (« … — page 3 sur 16 ») aside: the pages may be fewer.
        text = " ".join(FOOTER.sub(" ", page.extract_text()) for page in pages)
        return len(pages), text.split()

    (pages, text), (automatic_pages, automatic_text) = words(pdf(tables_fix)), words(pdf(None))
    # The same words; the tables too wide for the page set smaller take no more pages (so a
    # table may break at another row, and its repeated header appear once less or more).
    assert set(text) == set(automatic_text) and pages <= automatic_pages
    fixed = tables_fix(render_to_string("reporting/report_pdf.html", {"view": view}, request))
    assert fixed.count("table-layout: fixed") >= 10
    assert all(sum(widths) <= PAGE_WIDTH + 0.2 for widths in _widths(fixed)), "inside the page"
    rendered = HTML(string=fixed).render(stylesheets=[stylesheet_load(PDF_STYLESHEET)])
    assert _text_boxes_out_of_their_cells(rendered) == []
