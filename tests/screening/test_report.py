"""The screening's figures in the dashboard and the yearly report: counts by kind of right,
amounts found and opened, small counts hidden from viewers."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from allervers.core.roles import Role
from allervers.reporting.exports import report_csv
from allervers.reporting.models import YearClosure
from allervers.reporting.periods import Period
from allervers.reporting.presentation.cells import PRIMARY
from allervers.reporting.presentation.screening import CAPTION, FILTERED, SCREENINGS_CAPTION
from allervers.reporting.presentation.values import VIEWER
from allervers.reporting.presentation.view import ReportView
from allervers.reporting.queries import Scope, report_compute
from allervers.reporting.services import year_close
from allervers.screening.enums import RightKind, RightOutcome
from allervers.screening.queries import screening_figures
from tests.html import text_of, without_cell_labels
from tests.planning.factories import SiteFactory
from tests.reception.factories import ReferralFactory
from tests.reporting.test_suppression import Reader
from tests.reporting.test_views import normalised

from .factories import ScreeningFactory, ScreeningRightFactory

pytestmark = pytest.mark.django_db
YEAR_2026 = {"periode": "annee", "annee": "2026"}


@pytest.fixture
def figures(operator):
    """Six screenings; RSA found 6 times (5 referred, 5 opened), housing aid twice (1 opened),
    one right already received (not counted as found), one of last year."""
    for n in range(6):
        screening = ScreeningFactory(operator=operator)
        referral = ReferralFactory(operator=operator, visit=screening.visit) if n < 5 else None
        ScreeningRightFactory(
            operator=operator,
            screening=screening,
            amount=Decimal("500"),
            referral=referral,
            referred_at=referral.proposed_at if referral else None,
            outcome=RightOutcome.OPENED if referral else "",
        )
    for outcome in (RightOutcome.OPENED, ""):
        referral = ReferralFactory(operator=operator)
        ScreeningRightFactory(
            operator=operator,
            kind=RightKind.HOUSING,
            amount=Decimal("250"),
            referral=referral,
            referred_at=referral.proposed_at,
            outcome=outcome,
        )
    ScreeningRightFactory(operator=operator, already_received=True, likely_missing=False)
    ScreeningRightFactory(operator=operator, made_on=datetime.date(2025, 12, 31))


def test_the_figures_count_rights_found_referred_and_opened(operator, figures):
    result = screening_figures(operator.pk, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    rows = {row["kind"]: row for row in result["kinds"]}
    assert rows[RightKind.RSA]["found"] == 6 and rows[RightKind.RSA]["referred"] == 5
    assert rows[RightKind.RSA]["opened"] == 5
    assert rows[RightKind.RSA]["found_amount"] == 3000
    assert rows[RightKind.RSA]["opened_amount"] == 2500
    assert rows[RightKind.HOUSING]["found"] == 2 and rows[RightKind.HOUSING]["opened"] == 1
    assert result["total"]["found"] == 8 and result["total"]["opened"] == 6
    assert result["total"]["opened_amount"] == 2750


def test_the_dashboard_shows_them_and_hides_small_counts_from_viewers(
    client, operator, coordinator, make_member, figures
):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("reporting:dashboard"), YEAR_2026))
    assert "Repérage des droits (non-recours)" in page
    assert '<td data-label="Montant mensuel repéré">3\u202f000\u00a0€</td>' in page
    page = without_cell_labels(page)
    assert (
        '<th scope="row">RSA</th><td>6</td><td>3\u202f000\u00a0€</td><td>5</td><td>5</td>' in page
    )
    client.force_login(make_member(operator, Role.VIEWER))
    page = without_cell_labels(text_of(client.get(reverse("reporting:dashboard"), YEAR_2026)))
    housing = RightKind.HOUSING.label
    assert f'<th scope="row">{housing}</th><td>< 5</td><td>n.c.</td>' in page
    # The one rule (`cells`): the total minus RSA would give the hidden housing count away, so
    # RSA's count is hidden too (the smallest shown part), and its amount with it.
    assert '<th scope="row">RSA</th><td>n.c.</td><td>n.c.</td><td>n.c.</td>' in page
    assert '<th scope="row">Total</th><td>8</td><td>3\u202f500\u00a0€</td><td>7</td>' in page


def test_the_yearly_report_pdf_has_the_section(client, coordinator, figures):
    client.force_login(coordinator)
    response = client.get(reverse("reporting:export_pdf"), YEAR_2026)
    pdf = PdfReader(io.BytesIO(response.content))
    assert "Repérage des droits (non-recours)" in "".join(p.extract_text() for p in pdf.pages)


def test_a_partners_own_report_has_no_screening_section(client, operator, make_member, figures):
    client.force_login(make_member(operator, Role.PARTNER))
    page = text_of(client.get(reverse("reporting:dashboard"), YEAR_2026))
    assert "Repérage des droits" not in page


def test_a_closed_year_shows_the_screening_figures_stored_at_its_closing(
    client, operator, coordinator
):
    ScreeningRightFactory(operator=operator, made_on=datetime.date(2025, 3, 1), amount=500)
    year_close(operator=operator, year=2025, user=coordinator)
    ScreeningRightFactory(operator=operator, made_on=datetime.date(2025, 4, 1), amount=500)
    client.force_login(coordinator)
    year_2025 = {"periode": "annee", "annee": "2025"}
    page = without_cell_labels(text_of(client.get(reverse("reporting:dashboard"), year_2025)))
    assert '<th scope="row">RSA</th><td>1</td><td>500\u00a0€</td>' in page

    # A year closed before the screening existed says so rather than computing it live.
    closure = YearClosure.objects.get(operator=operator, year=2025)
    closure.figures.pop("screening")
    closure.save()
    page = text_of(client.get(reverse("reporting:dashboard"), year_2025))
    assert "close avant l'arrivée du repérage des droits" in page


def page_section(client) -> dict[str, list[str]]:
    """The section's figures as the dashboard shows them: row label → texts."""
    page = without_cell_labels(text_of(client.get(reverse("reporting:dashboard"), YEAR_2026)))
    section = page[page.index('id="non-recours-title"') :]
    section = section[: section.index("</section>")]
    shown = {}
    for label, cells in re.findall(r'<tr><th scope="row">(.*?)</th>(.*?)</tr>', section):
        shown[label] = re.findall(r"<td>(.*?)</td>", cells)
    return shown


def stored_number(text: str) -> float:
    return float(re.sub(r"[^\d,]", "", text).replace(",", "."))


def xlsx_section(client) -> dict[str, list[tuple]]:
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_2026).content)
    )
    read: dict[str, list[tuple]] = {}
    for row in workbook["Repérage des droits"].iter_rows(min_row=2, values_only=True):
        _table, _grouping, _group, line, _column, value, text = row
        read.setdefault(line, []).append((value, text))
    return read


def csv_section(client) -> dict[str, list[tuple]]:
    content = client.get(reverse("reporting:export_csv"), YEAR_2026).content.decode("utf-8-sig")
    read: dict[str, list[tuple]] = {}
    captions = (CAPTION, SCREENINGS_CAPTION)
    for table, line, _column, value, text in csv.reader(io.StringIO(content), delimiter=";"):
        if table in captions:
            read.setdefault(line, []).append((value, text))
    return read


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.VIEWER])
def test_the_xlsx_and_the_csv_hold_the_section_as_the_page_shows_it(
    client, operator, make_member, figures, role
):
    client.force_login(make_member(operator, role))
    page = page_section(client)
    assert set(page) == {"Repérages faits", "RSA", RightKind.HOUSING.label, "Total"}
    texts = [text for texts in page.values() for text in texts]
    if role == Role.VIEWER:  # small counts hidden by the one rule, amounts with them
        assert "< 5" in texts and "n.c." in texts
    else:
        assert "< 5" not in texts and "n.c." not in texts
    for label, read in (("XLSX", xlsx_section(client)), ("CSV", csv_section(client))):
        assert {line: [text for _v, text in cells] for line, cells in read.items()} == page, label
        for cells in read.values():
            for value, text in cells:
                if text in ("< 5", "n.c."):
                    assert value in (text, ""), label  # no number behind a hidden figure
                else:
                    number = float(value.replace(",", ".")) if isinstance(value, str) else value
                    assert number == stored_number(text), label


def test_with_a_filter_every_output_says_the_figures_are_not_available(
    client, operator, coordinator, figures
):
    """Screenings could be counted by site, but the rights found lose their visit and referral
    when the referral closes (privacy): filtered, they would leave out the rights whose outcome
    is known. So the section only says why."""
    site = SiteFactory(operator=operator)
    client.force_login(coordinator)
    filtered = {**YEAR_2026, "lieu": site.pk}
    page = text_of(client.get(reverse("reporting:dashboard"), filtered))
    assert FILTERED in page and CAPTION not in page
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), filtered).content)
    )
    sheet = list(workbook["Repérage des droits"].iter_rows(values_only=True))[1:]
    assert sheet == [(CAPTION, None, None, None, None, None, FILTERED)]
    content = client.get(reverse("reporting:export_csv"), filtered).content.decode("utf-8-sig")
    lines = [row for row in csv.reader(io.StringIO(content), delimiter=";") if row[0] == CAPTION]
    assert lines == [[CAPTION, "", "", "", FILTERED]]


def test_a_partners_own_export_has_no_screening_figures(client, operator, make_member, figures):
    client.force_login(make_member(operator, Role.PARTNER))
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_2026).content)
    )
    assert "Repérage des droits" not in workbook.sheetnames
    definitions = [row[0] for row in workbook["Définitions"].iter_rows(values_only=True)]
    assert "Droits repérés" not in definitions
    content = client.get(reverse("reporting:export_csv"), YEAR_2026).content.decode("utf-8-sig")
    assert CAPTION not in content and "Repérages faits" not in content


def screening_reader(csv_text: str) -> Reader:
    """What a reader can add up in the section: each count column's total is the sum of its
    kinds' rows."""
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff")), delimiter=";"))[1:]
    cells = {(t, r, c): normalised(text) for t, r, c, _v, text in rows if t == CAPTION}
    reader = Reader(cells)
    kinds = {row for _t, row, _c in cells if row != "Total"}
    for column in ("Repérés", "Orientés", "Ouverts", "Refusés", "Abandonnés"):
        reader.add((CAPTION, "Total", column), [(CAPTION, kind, column) for kind in kinds])
    return reader


def test_no_hidden_screening_count_can_be_worked_out(client, operator, make_member, figures):
    client.force_login(make_member(operator, Role.VIEWER))
    content = client.get(reverse("reporting:export_csv"), YEAR_2026).content.decode("utf-8-sig")
    reader = screening_reader(content)
    assert len(reader.sums) == 5
    assert not reader.given_away()

    # The check can fail: with « < 5 » alone, the housing aid's rights are the total less RSA's.
    report = report_compute(Scope(operator.pk, Period.year(2026), datetime.date(2026, 6, 10)))
    view = ReportView(operator=operator, report=report, audience=VIEWER)
    cells = view.formatter.cells(report)
    cells.state = {key: state for key, state in cells.state.items() if state == PRIMARY}
    assert screening_reader(report_csv(view)).given_away()
