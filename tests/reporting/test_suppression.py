"""Small counts for funders and partners (issue 15, point 3): no hidden count can be worked out
from what any of their outputs shows, and no two of their reports can be subtracted.

The check here is written from the outputs, not from the code: every figure a viewer's CSV
shows (the page, the PDF and the XLSX show the same, checked below), the sums a reader knows
(a table's rows add up to its total, a site's answers to its visits, the sites to the whole...),
and an interval propagation that narrows every hidden count (« < 5 »: 0 to 4, « n.c. »: 5 or
more) until nothing changes. No count shown « < 5 » may end up with one possible value.
"""

import csv
import datetime
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from allervers.core.roles import Role
from allervers.reception.enums import Gender, ReferralStatus, YesNoUnknown
from allervers.reception.questions import QUESTIONS
from allervers.reporting.exports import report_csv
from allervers.reporting.periods import Period
from allervers.reporting.presentation.view import ReportView
from allervers.reporting.queries import Scope, report_compute
from tests.html import text_of
from tests.reception.factories import VisitFactory

from .conftest import TODAY, YEAR
from .test_views import YEAR_QUERY, dashboard, family_rows, normalised

pytestmark = pytest.mark.django_db

HIDDEN_SMALL, HIDDEN_MORE = "< 5", "n.c."
INFINITY = float("inf")
TAKEN_UP = ReferralStatus.TAKEN_UP.label


@pytest.fixture
def mixed(dataset):
    """The data set with six more women from the neighbourhood at Place A in January: some
    counts shown, some small."""
    stop = dataset.operator.stops.get(date=datetime.date(YEAR, 1, 15))
    VisitFactory.create_batch(
        6,
        operator=dataset.operator,
        stop=stop,
        gender=Gender.FEMALE,
        lives_in_area=YesNoUnknown.YES,
    )
    return dataset


def csv_cells(client) -> dict[tuple[str, str, str], str]:
    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))[1:]
    return {(table, row, column): normalised(text) for table, row, column, _v, text in rows}


def number_bounds(text: str) -> tuple[float, float]:
    if text == HIDDEN_SMALL:
        return 0, 4
    if text == HIDDEN_MORE:
        return 5, INFINITY
    return (value := float(text.replace(" ", "").replace(",", "."))), value


class Reader:
    """The sums a reader knows between the figures of the outputs, and what they give away."""

    def __init__(self, cells: dict):
        self.cells = cells
        self.sums: list[tuple[tuple, list[tuple]]] = []

    def has(self, key) -> bool:
        return key in self.cells

    def add(self, total, parts) -> None:
        parts = [part for part in parts if part is not None]
        if total in self.cells and parts:
            self.sums.append((total, parts))

    def bounds(self) -> tuple[dict, dict]:
        low, high = {}, {}
        keys = {key for total, parts in self.sums for key in (total, *parts)}
        for key in keys:
            text = self.cells.get(key)
            # A partner missing from a site's rows: none there (the row is not shown).
            low[key], high[key] = number_bounds(text) if text is not None else (0, 0)
        for _pass in range(500):
            changed = False
            for total, parts in self.sums:
                parts_low = sum(low[part] for part in parts)
                parts_high = sum(high[part] for part in parts)
                if parts_low > low[total]:
                    low[total], changed = parts_low, True
                if parts_high < high[total]:
                    high[total], changed = parts_high, True
                for part in parts:
                    others_low = parts_low - low[part]
                    others_high = sum(high[other] for other in parts if other != part)
                    if high[total] - others_low < high[part]:
                        high[part], changed = high[total] - others_low, True
                    if low[total] - others_high > low[part]:
                        low[part], changed = low[total] - others_high, True
            if not changed:
                break
        return low, high

    def given_away(self) -> list:
        low, high = self.bounds()
        return [
            (key, low[key])
            for key in low
            if self.cells.get(key) == HIDDEN_SMALL and low[key] == high[key]
        ]


def reader_of(cells: dict, view) -> Reader:
    """Every sum between the figures of a viewer's outputs, from the tables' own structure."""
    reader = Reader(cells)
    period = view.period.label
    visits = ("Chiffres clés", "Visites", period)
    referrals = ("Chiffres clés", "Orientations vers un partenaire", period)
    taken_up = ("Orientations selon leur statut", TAKEN_UP, "Orientations")
    statuses = [label for _value, label in ReferralStatus.choices]
    rows = {}
    for table, row, _column in cells:
        rows.setdefault(table, [])
        if row not in rows[table]:
            rows[table].append(row)

    def column_sum(table, column, total):
        reader.add(total, [(table, row, column) for row in rows.get(table, [])])

    for table in ("Par lieu de stationnement", "Par mois"):
        column_sum(table, "Visites", visits)
        column_sum(table, "Orientations", referrals)
        column_sum(table, "Prises en charge", taken_up)
    column_sum("Permanences de soirée et de journée", "Visites", visits)
    column_sum("Orientations selon leur statut", "Orientations", referrals)
    column_sum("Partenaires", "Orientations reçues", referrals)
    column_sum("Partenaires", "Prises en charge", taken_up)
    sites = rows.get("Par lieu de stationnement", [])
    for question in QUESTIONS:
        answers = rows.get(question.caption, [])
        column_sum(question.caption, "Visites", visits)
        detail = f"{question.caption} par lieu de stationnement"
        column_sum(detail, "Visites", visits)
        for site in sites:
            reader.add((detail, site, "Visites"), [(detail, site, a) for a in answers])
        for answer in answers:
            column_sum(detail, answer, (question.caption, answer, "Visites"))
    topics = "Thématiques des demandes"
    for topic in rows.get(topics, []):
        column = "Sans thématique : visites"
        if topic != "Sans thématique (non renseigné)":
            column = f"{topic} : visites"
        column_sum(f"{topics} par lieu de stationnement", column, (topics, topic, "Visites"))
    detail = "Orientations selon leur statut par lieu de stationnement"
    column_sum(detail, "Orientations", referrals)
    for site in sites:
        reader.add((detail, site, "Orientations"), [(detail, site, s) for s in statuses])
    for status in statuses:
        column_sum(detail, status, ("Orientations selon leur statut", status, "Orientations"))
    detail_partners = "Partenaires par lieu de stationnement"
    for partner in rows.get("Partenaires", []):
        for column in ("Orientations reçues", "Prises en charge", "Visites où il a été rencontré"):
            reader.add(
                ("Partenaires", partner, column),
                [(detail_partners, f"{site} — {partner}", column) for site in sites],
            )
    for site in sites:
        partners = rows.get("Partenaires", [])
        reader.add(
            (detail, site, "Orientations"),
            [(detail_partners, f"{site} — {p}", "Orientations reçues") for p in partners],
        )
    evening = "Permanences de soirée et de journée"
    detail = f"{evening} par lieu de stationnement"
    for site in sites:
        reader.add(
            (detail, site, "Visites"),
            [(detail, site, "Visites en soirée"), (detail, site, "Visites en journée")],
        )
        reader.add(
            ("Par lieu de stationnement", site, "Visites"),
            [(detail, site, "Visites en soirée"), (detail, site, "Visites en journée")],
        )
    column_sum(detail, "Visites en soirée", (evening, "Soirée (à partir de 17 h)", "Visites"))
    column_sum(detail, "Visites en journée", (evening, "Journée", "Visites"))
    return reader


class Tables(HTMLParser):
    """The cells of every table of an HTML page: {(caption, row label, column): text}."""

    def __init__(self):
        super().__init__()
        self.cells, self._in, self._text = {}, None, ""
        self._caption, self._columns, self._row = "", [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("caption", "th", "td"):
            self._in, self._text = tag, ""
        if tag == "tr":
            self._row = []
        if tag == "details" and self._in in ("th", "td"):
            self._in = "skip"  # a definition inside a header cell

    def handle_endtag(self, tag):
        if tag == "caption" and self._in == "caption":
            self._caption = normalised(self._text).split(" : ")[0]
            self._columns = []
        elif tag in ("th", "td") and self._in in ("th", "td"):
            self._row.append((self._in, normalised(self._text).strip()))
        elif tag == "tr":
            if all(kind == "th" for kind, _ in self._row) and not self._columns:
                self._columns = [text for _kind, text in self._row]
            else:
                labels = [text for kind, text in self._row if kind == "th"]
                values = [text for kind, text in self._row if kind == "td"]
                columns = self._columns[len(labels) :]
                for column, value in zip(columns, values, strict=False):
                    self.cells[(self._caption, " — ".join(labels), column)] = value
        if tag in ("th", "td"):
            self._in = None

    def handle_data(self, data):
        if self._in in ("caption", "th", "td"):
            self._text += data


def page_cells(response) -> dict:
    parser = Tables()
    parser.feed(text_of(response))
    return parser.cells


def test_no_hidden_count_can_be_worked_out_from_any_viewer_output(
    client, mixed, operator, make_member
):
    client.force_login(make_member(operator, Role.VIEWER))
    response = dashboard(client)
    view = response.context["view"]
    cells = csv_cells(client)
    shown = [key for key, text in cells.items() if text == HIDDEN_SMALL]
    assert len(shown) > 20  # the data set has small counts to hide
    assert any(text == HIDDEN_MORE for text in cells.values())

    # The page shows what the CSV holds, table by table.
    page = page_cells(response)
    compared = 0
    for (table, row, column), text in cells.items():
        if table in ("Chiffres clés", "L'essentiel"):
            continue
        assert page[(table, row, column)] == text, (table, row, column)
        compared += 1
    assert compared > 400
    # So does the XLSX (its family sheets, in long format).
    for (table, _grouping, group, line, column), (_n, text) in family_rows(
        load_workbook(io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content))
    ).items():
        label = " — ".join(part for part in (group, line) if part)
        assert normalised(text) == cells[(table, label, column)]
    # And the PDF, for its tables (every row as a line of text: label and figures).
    pdf = PdfReader(io.BytesIO(client.get(reverse("reporting:export_pdf"), YEAR_QUERY).content))
    pdf_text = normalised(" ".join(p.extract_text() for p in pdf.pages)).replace("\u2010 ", "")
    for table in view.tables:
        for row in table.rows:
            line = " ".join([*table.labels(row), *(normalised(v.text) for v in row[1:])])
            assert line in pdf_text, line

    reader = reader_of(cells, view)
    assert len(reader.sums) > 50
    assert not reader.given_away()


def test_the_reader_finds_what_primary_suppression_alone_gives_away(client, mixed, operator):
    """The check above can fail: with « < 5 » alone (no « n.c. »), a hidden count is the total
    less the shown rows."""
    report = report_compute(Scope(operator.pk, Period.year(YEAR), TODAY))
    view = ReportView(operator=operator, report=report, audience="viewer")
    cells_of = view.formatter.cells(report)
    cells_of.state = {key: s for key, s in cells_of.state.items() if s == "primary"}
    rows = list(csv.reader(io.StringIO(report_csv(view).lstrip("\ufeff")), delimiter=";"))[1:]
    cells = {(t, r, c): normalised(text) for t, r, c, _v, text in rows}
    assert reader_of(cells, view).given_away()


def test_shares_ratios_and_words_never_show_a_hidden_count(client, mixed, operator, make_member):
    client.force_login(make_member(operator, Role.VIEWER))
    view = dashboard(client).context["view"]
    cells = csv_cells(client)
    for (table, row, column), text in cells.items():
        if column.startswith("Part") and text not in (HIDDEN_MORE, "—"):
            count = cells.get((table, row, "Visites")) or cells.get(
                (table, row, "Visites qui la mentionnent")
            )
            if count is not None:
                assert count not in (HIDDEN_SMALL, HIDDEN_MORE), (table, row, column)
    # The narrative names no hidden category and prints no « n.c. ».
    paragraph = normalised(view.paragraph)
    assert "n.c." not in paragraph and "< 5 %" not in paragraph
    for row in view.report["topics"]:
        if cells[("Thématiques des demandes", row["name"], "Visites qui la mentionnent")] in (
            HIDDEN_SMALL,
            HIDDEN_MORE,
        ):
            assert row["name"] not in paragraph
    # « Visites 9, Permanences 4, Visites par permanence n.c. » cannot happen: a ratio is shown
    # when its counts are.
    for row in view.tables[0].rows:
        held, count, ratio = row[1], row[3], row[4]
        assert (ratio.raw is None) == (count.raw is None) or not held.raw, row


@pytest.mark.parametrize(
    "params",
    [
        {"periode": "dates", "du": f"{YEAR}-01-01", "au": f"{YEAR}-01-31"},
        {"periode": "trimestre", "annee": str(YEAR), "trimestre": "1"},
        {"periode": "mois", "annee": str(YEAR), "mois": "1"},
    ],
)
def test_a_viewer_reads_whole_years_only(client, dataset, operator, make_member, params):
    client.force_login(make_member(operator, Role.VIEWER))
    for name in ("dashboard", "export_pdf", "export_xlsx", "export_csv"):
        response = client.get(reverse(f"reporting:{name}"), params)
        assert response.status_code == 400
        assert "ces chiffres se lisent par année entière" in text_of(response)


def test_subtracting_two_periods_gives_nothing_away(
    client, dataset, operator, coordinator, make_member
):
    """The attack: two date ranges a day apart give the visits of that day (2 on 15 January)."""
    first = {"periode": "dates", "du": f"{YEAR}-01-01", "au": f"{YEAR}-01-31"}
    second = {**first, "du": f"{YEAR}-01-16"}

    def visits(params):
        response = dashboard(client, **params)
        if response.status_code != 200:
            return None
        return {f.key: f.value for f in response.context["view"].key_figures}["visits"]

    client.force_login(coordinator)  # a coordinator reads every figure anyway
    assert (visits(first).raw, visits(second).raw) == (2, 0)
    client.force_login(make_member(operator, Role.VIEWER))
    assert visits(first) is None and visits(second) is None
    # A viewer's filters are gone too: a site's report would be a second, overlapping one.
    response = dashboard(client, lieu=dataset.site_a.pk)
    assert response.context["view"].site_name == ""
    assert "Lieu de stationnement" not in [field.label for field in response.context["form"]]
    # What a viewer reads of January is the « Par mois » row of the year, hidden.
    january = next(
        row for row in response.context["view"].tables[1].rows if row[0] == "janvier 2024"
    )
    assert january[3].text == HIDDEN_SMALL
    assert re.search(r"janvier 2024", text_of(response))
