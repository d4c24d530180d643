"""Printed sheets always fit (issue 16).

Every month of the demo's planning as an A4 flyer and as an A5 two-up flyer, and every site's
poster (its next 8 weeks) printed on the first day of every other coming month (so that every
coming stop is on one): one page per sheet that keeps its QR code (decoded), the phone and the
address, and lists every held stop or says how many more the QR code leads to."""

import datetime
import io
import re

import pytest
from django.template.loader import render_to_string
from pypdf import PdfReader

from allervers.planning.enums import StopStatus
from allervers.planning.models import Site, Stop
from allervers.public.flyers import (
    A4_DENSITIES,
    A5_DENSITIES,
    Fit,
    _document,
    _sheet_context,
    fitting,
    flyer_pdf,
    poster_pdf,
)
from allervers.public.queries import Month, day_fr
from tests.conftest import NOW

from .test_printables import decoded_qr_codes

pytestmark = pytest.mark.django_db

PAGE_URL = "https://bus.example/ccas-barlin/"
CHUNKS = 5
# months are split in a few tests, so that parallel workers share them
CROWDED = 45  # stops with long titles and five partners each: more than any density holds


def demo_months(operator) -> list[Month]:
    dates = Stop.objects.for_operator(operator).order_by("date").values_list("date", flat=True)
    months, day = [], dates.first().replace(day=1)
    while day <= dates.last():
        months.append(Month(day.year, day.month))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def words(text: str) -> str:
    return " ".join(text.split())


def check_sheet(pdf: bytes, *, url: str, operator, copies: int, stops: list[Stop]) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    text = words(page.extract_text())
    assert decoded_qr_codes(reader) == [url]
    assert text.count(operator.phone) == copies
    assert text.count(words(operator.address)) == copies
    assert "".join(text.split()).count(url) == copies  # a long address may wrap
    more = re.search(r"et (\d+) autres? permanences? : voir le code QR", text)
    missing = [stop for stop in stops if day_fr(stop.date).capitalize() not in text]
    assert len(missing) == (int(more.group(1)) if more else 0), (missing, text)
    if missing:  # the first ones are listed, the last ones counted
        assert missing == stops[len(stops) - len(missing) :]


def held(stops) -> list[Stop]:
    return [stop for stop in stops if stop.status == StopStatus.HELD]


@pytest.mark.parametrize("chunk", range(CHUNKS))
@pytest.mark.parametrize("layout", ["a4", "a5"])
def test_every_month_of_the_demo_fits_its_flyer(demo, layout, chunk):
    operator = demo.operator
    months = demo_months(operator)
    assert len(months) >= 24
    for month in months[chunk::CHUNKS]:
        stops = held(
            Stop.objects.for_operator(operator)
            .filter(date__year=month.year, date__month=month.month)
            .order_by("date", "start_time", "pk")
        )
        pdf = flyer_pdf(operator=operator, month=month, two_up=layout == "a5", page_url=PAGE_URL)
        copies = 2 if layout == "a5" else 1
        check_sheet(pdf, url=PAGE_URL, operator=operator, copies=copies, stops=stops)


@pytest.mark.parametrize("chunk", range(2))
def test_every_sites_poster_fits_on_the_first_of_every_other_coming_month(demo, clock, chunk):
    operator = demo.operator
    months = [m for m in demo_months(operator) if (m.year, m.month) > (NOW.year, NOW.month)]
    sites = list(Site.objects.for_operator(operator).order_by("name"))
    # Posters show 8 weeks: printed every other month, they cover every coming stop.
    for month in months[::2][chunk::2]:
        clock.move_to(datetime.datetime(month.year, month.month, 1, 8, tzinfo=NOW.tzinfo))
        first = datetime.date(month.year, month.month, 1)
        for site in sites:
            url = f"https://bus.example/ccas-barlin/lieux/{site.slug}/"
            stops = held(
                Stop.objects.for_operator(operator)
                .filter(site=site, date__gte=first, date__lt=first + datetime.timedelta(weeks=8))
                .order_by("date", "start_time", "pk")
            )
            pdf = poster_pdf(operator=operator, site=site, site_url=url)
            check_sheet(pdf, url=url, operator=operator, copies=1, stops=stops)


def _crowded_month(operator, count: int) -> list[dict]:
    site = Site.objects.for_operator(operator).first()
    return [
        {
            "day": day_fr(datetime.date(2026, 12, 1) + datetime.timedelta(days=number % 31)),
            "hours": "de 9 h à 12 h",
            "site": site,
            "title": "Atelier CV et lettre de motivation avec les partenaires de l'emploi",
            "partners": ["France Travail", "Mission locale", "PLIE", "Inter Insert", "BGE"],
        }
        for number in range(count)
    ]


@pytest.mark.parametrize("densities", [A4_DENSITIES, A5_DENSITIES], ids=["a4", "a5"])
def test_a_month_too_busy_for_any_density_lists_what_fits_and_counts_the_rest(demo, densities):
    operator = demo.operator
    rows = _crowded_month(operator, CROWDED)

    def html_of(fit: Fit) -> str:
        return render_to_string(
            "public/print/flyer.html",
            {
                "operator": operator,
                "month": Month(2026, 12),
                "qr": "",
                "page_url": PAGE_URL,
                "has_rows": True,
                "copies": [0],
                "two_up": False,
                "a5": densities is A5_DENSITIES,
                **_sheet_context(fit, rows),
            },
        )

    fit, document = fitting(rows, densities, html_of)
    assert fit.density == densities[-1]
    assert 5 < fit.shown < CROWDED
    assert len(document.pages) == 1
    text = words(PdfReader(io.BytesIO(document.write_pdf())).pages[0].extract_text())
    assert f"et {CROWDED - fit.shown} autres permanences : voir le code QR" in text
    assert operator.phone in text
    # One more row would not fit: the list is as long as the page allows.
    longer = Fit(fit.density, fit.shown + 1)
    assert len(_document(html_of(longer)).pages) > 1
