"""Figures stay exact until the one rounding writes them (issue 27, point 1): every share, mean
and median a person reads — on the page, in the PDF, the XLSX and the CSV — is the half-up
rounding of the exact value, computed here without the project's code (`fractions`)."""

import csv
import datetime
import io
import math
import re
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from pypdf import PdfReader

from allervers.reception.enums import Gender, ReferralStatus
from allervers.reception.models import Referral, Visit
from allervers.reporting.definitions import INDICATORS
from allervers.reporting.presentation.values import number, percent
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.factories import ReferralFactory, VisitFactory

from .conftest import TODAY, YEAR, paris
from .test_views import YEAR_QUERY, normalised

pytestmark = pytest.mark.django_db

MICROSECONDS_PER_MINUTE = 60_000_000
MICROSECONDS_PER_DAY = 86_400_000_000
# In UTC: an aware Paris time plus a timedelta adds wall-clock time, one hour short across the
# change to summer time.
ARRIVAL = paris(datetime.date(YEAR, 3, 12), 10).astimezone(datetime.UTC)


def half_up(value: Fraction, decimals: int = 0) -> str:
    """The rounding a person does by hand, written the French way (independent of the code)."""
    scaled = value * 10**decimals
    whole = math.floor(scaled + Fraction(1, 2))
    if not decimals:
        return f"{whole:,}".replace(",", " ")
    units, rest = divmod(whole, 10**decimals)
    return f"{units:,}".replace(",", " ") + f",{rest:0{decimals}d}"


def median(values: list[int]) -> Fraction:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Fraction(ordered[middle])
    return Fraction(ordered[middle - 1] + ordered[middle], 2)


@contextmanager
def rolled_back():
    """One example's rows, gone before the next example."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def make_figures(operator, *, women: int, visits: int, durations: list[int], delays: list[int]):
    """`visits` visits, `women` of them of women and the others of men; the first ones last
    `durations` (microseconds); one referral per delay (microseconds) taken up."""
    stop = StopFactory(
        operator=operator, site=SiteFactory(operator=operator), date=datetime.date(YEAR, 3, 12)
    )
    rows = [
        VisitFactory.build(
            operator=operator,
            stop=stop,
            arrived_at=ARRIVAL,
            gender=Gender.FEMALE if index < women else Gender.MALE,
            left_at=(
                ARRIVAL + datetime.timedelta(microseconds=durations[index])
                if index < len(durations)
                else None
            ),
        )
        for index in range(visits)
    ]
    Visit.objects.bulk_create(rows)
    if delays:
        partner = PartnerFactory(operator=operator)
        Referral.objects.bulk_create(
            ReferralFactory.build(
                operator=operator,
                visit=visit,
                partner=partner,
                status=ReferralStatus.TAKEN_UP,
                proposed_at=ARRIVAL,
                taken_up_at=ARRIVAL + datetime.timedelta(microseconds=delay),
            )
            for visit, delay in zip(rows, delays, strict=False)
        )


def outputs(client) -> dict[str, str]:
    """What a person reads of the key figures in each output, by the figure's label:
    {output: {label: text}}; the XLSX also gives the number it stores."""
    page = re.sub(
        r"<details.*?</details>",
        "",
        text_of(client.get(reverse("reporting:dashboard"), YEAR_QUERY)),
    )
    key_figures = page.split('id="legende-chiffres-cles"', 1)[1].split("</table>", 1)[0]
    in_page = {}
    for row in re.findall(r"<tr>(.*?)</tr>", key_figures, flags=re.DOTALL):
        cells = [
            normalised(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.DOTALL)
        ]
        if len(cells) > 1:
            in_page.setdefault(cells[0], cells[1])
    pdf = PdfReader(io.BytesIO(client.get(reverse("reporting:export_pdf"), YEAR_QUERY).content))
    pdf_text = normalised(" ".join(p.extract_text() for p in pdf.pages)).replace("\u2010 ", "")
    content = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    in_csv = {
        row[1]: (row[3], normalised(row[4]))
        for row in csv_rows
        if row[0] == "Chiffres clés" and row[2] == f"année {YEAR}"
    }
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("reporting:export_xlsx"), YEAR_QUERY).content)
    )
    in_xlsx = {}
    for row in workbook["Résumé"].iter_rows():
        if row[0].value and len(row) > 1 and row[1].value is not None:
            in_xlsx.setdefault(row[0].value, (row[1].value, row[1].number_format))
    return {"page": in_page, "pdf": pdf_text, "csv": in_csv, "xlsx": in_xlsx}


def assert_everywhere(found: dict, label: str, text: str, stored, number_format: str) -> None:
    """`label` reads `text` on the page, in the PDF and the CSV, and the XLSX stores `stored`
    shown with `number_format` (its text in the CSV's « valeur » column too)."""
    assert found["page"][label] == text, (label, found["page"][label], text)
    assert f"{label} {text}" in found["pdf"], (label, text, "pdf")
    assert found["csv"][label][1] == text, (label, found["csv"][label], text)
    assert Fraction(found["csv"][label][0].replace(",", ".")) == Fraction(stored)
    value, shown_as = found["xlsx"][label]
    assert Fraction(str(value)) == Fraction(stored), (label, value, stored)
    assert shown_as == number_format


def check(found: dict, *, women: int, visits: int, durations: list[int], delays: list[int]):
    share = Fraction(100 * women, visits)
    assert_everywhere(
        found,
        INDICATORS["women_share"].label,
        f"{half_up(share)} %",
        Fraction(int(half_up(share).replace(" ", "")), 100),
        "0%",
    )
    if durations:
        for key, exact in (
            ("duration_mean", Fraction(sum(durations), len(durations))),
            ("duration_median", median(durations)),
        ):
            minutes = half_up(exact / MICROSECONDS_PER_MINUTE)
            assert_everywhere(
                found, INDICATORS[key].label, f"{minutes} min", minutes.replace(" ", ""), "#,##0"
            )
    if delays:
        days = half_up(median(delays) / MICROSECONDS_PER_DAY)
        unit = "jour" if int(days.replace(" ", "")) < 2 else "jours"
        assert_everywhere(
            found,
            INDICATORS["referral_delay_median"].label,
            f"{days} {unit}",
            days.replace(" ", ""),
            "#,##0",
        )


@pytest.fixture
def reading(client, coordinator, clock):
    clock.move_to(datetime.datetime.combine(TODAY, datetime.time(10)))
    client.force_login(coordinator)
    return client


def test_the_two_cases_found_round_half_up_in_every_output(reading, operator):
    """23 women of 40 visits are exactly 57.5 %: « 58 % » (the float 57.4999… read « 57 % »);
    a median delay of exactly 8.4965 days reads « 8 jours » (rounded to 8.50 first, it read
    « 9 jours »); a visit of 38 min 29.7 s reads 38 min, not 39."""
    durations = [(38 * 60 + 29) * 1_000_000 + 700_000]
    delays = [int(Decimal("8.4965") * MICROSECONDS_PER_DAY)]
    make_figures(operator, women=23, visits=40, durations=durations, delays=delays)
    found = outputs(reading)
    women = INDICATORS["women_share"].label
    assert found["csv"][women][1] == "58 %"
    assert found["csv"][INDICATORS["referral_delay_median"].label][1] == "8 jours"
    assert found["csv"][INDICATORS["duration_median"].label][1] == "38 min"
    check(found, women=23, visits=40, durations=durations, delays=delays)


# Microseconds: visits of up to six hours, delays of up to sixty days; values near the middle of
# a minute or a day are drawn as often as the others.
DURATION = st.one_of(
    st.integers(1, 6 * 60 * MICROSECONDS_PER_MINUTE),
    st.integers(1, 6 * 60).map(
        lambda m: m * MICROSECONDS_PER_MINUTE - MICROSECONDS_PER_MINUTE // 2
    ),
)
DELAY = st.one_of(
    st.integers(1, 60 * MICROSECONDS_PER_DAY),
    st.integers(1, 60).map(lambda d: d * MICROSECONDS_PER_DAY - MICROSECONDS_PER_DAY // 2),
    st.integers(1, 60 * 10_000).map(lambda t: t * MICROSECONDS_PER_DAY // 10_000 - 1),
)


@st.composite
def part_and_total(draw):
    total = draw(st.integers(1, 1000))
    # Pairs whose exact share ends in « ,5 % » are drawn often: they are the ones a float loses.
    halves = [
        part
        for part in range(total + 1)
        if (200 * part) % total == 0 and (200 * part // total) % 2 == 1
    ]
    if halves and draw(st.booleans()):
        return draw(st.sampled_from(halves)), total
    return draw(st.integers(0, total)), total


@settings(max_examples=300, deadline=None)
@given(pair=part_and_total(), durations=st.lists(DURATION, min_size=1, max_size=9))
def test_the_one_rounding_writes_the_half_up_rounding_of_the_exact_value(pair, durations):
    """Many draws at the formatting (no database): the shares and the minutes as written."""
    part, total = pair
    share = percent(Fraction(part, total))
    expected = half_up(Fraction(100 * part, total))
    assert share.text == f"{expected}\u00a0%".replace(" ", "\u202f")
    assert Decimal(str(share.raw)) == Decimal(expected) / 100
    minutes = number(Fraction(sum(durations), len(durations) * MICROSECONDS_PER_MINUTE), 0)
    expected = half_up(Fraction(sum(durations), len(durations) * MICROSECONDS_PER_MINUTE))
    assert minutes.text == expected.replace(" ", "\u202f")
    assert minutes.raw == int(expected.replace(" ", ""))


# Through the database and every output: each example renders the page, the PDF, the XLSX and
# the CSV (seconds each), hence few examples.
@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    pair=part_and_total(),
    durations=st.lists(DURATION, min_size=1, max_size=6),
    delays=st.lists(DELAY, min_size=1, max_size=5),
)
def test_every_output_shows_the_half_up_rounding_of_the_exact_value(
    reading, operator, pair, durations, delays
):
    women, visits = pair
    durations, delays = durations[:visits], delays[:visits]
    with rolled_back():
        make_figures(operator, women=women, visits=visits, durations=durations, delays=delays)
        found = outputs(reading)
    check(found, women=women, visits=visits, durations=durations, delays=delays)


def test_the_results_say_one_minute_in_the_singular(operator):
    from allervers.reporting.periods import Period
    from allervers.reporting.presentation.view import ReportView
    from allervers.reporting.queries import Scope, report_compute

    make_figures(operator, women=1, visits=2, durations=[60_000_000, 60_000_000], delays=[])
    report = report_compute(Scope(operator.pk, Period.year(YEAR), TODAY))
    paragraph = ReportView(operator=operator, report=report).paragraph
    assert "d'une durée moyenne de 1\u00a0minute," in paragraph


def test_the_pdf_never_breaks_a_row_label_inside_a_word(reading, operator):
    """Issue 27: « Permanences te‐nues » — the PDF's row labels wrap between words only."""
    make_figures(operator, women=1, visits=2, durations=[60_000_000], delays=[])
    content = reading.get(reverse("reporting:export_pdf"), YEAR_QUERY).content
    pages = PdfReader(io.BytesIO(content)).pages
    first_pages = " ".join(page.extract_text() for page in pages[:3])
    for label in ("Permanences tenues", "Durée moyenne d'une visite", "Part de femmes"):
        assert label in normalised(first_pages), label
