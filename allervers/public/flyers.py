"""Printable flyers and posters (WeasyPrint), from the same reads as the public page.

- `flyer_pdf`: a month's held stops, A4, or A5 "two-up" (two identical A5 flyers side by side
  on one landscape A4 sheet: print, cut in two, half the paper).
- `poster_pdf`: one site's coming stops, A4, to stick up at the site.
Each carries a QR code (PNG made by `qr.qr_png`) of the public page's address, the phone and the
address, and always fits its page: the layout adapts to the number of stops. The densities of
a format are tried in order (the normal list, a compact one, two columns, smaller type down to
a legible minimum) until the whole sheet fits one page; when even the densest does not, the
first stops are listed and a line says « et N autres permanences : voir le code QR ». The
QR code, the phone and the address are below the list in every case, so they are never lost.
"""

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string

from allervers.core.qr import qr_png
from allervers.operators.models import Operator
from allervers.planning.models import Site

from .queries import (
    Month,
    day_fr,
    hours_fr,
    month_stops,
    partners_of,
    today,
    upcoming_stops,
)

POSTER_WEEKS = 8
# WeasyPrint logs every layout step at INFO: noise in the server log for each download.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Density:
    """How tightly a sheet's list is set."""

    font_pt: float  # the list's type size (never below the format's legible minimum)
    columns: int = 1  # the list in one or two columns
    partners: bool = True  # the partners present under each stop
    intro: bool = True  # the welcome sentence under the title


# Densest last; the last one's type size is the format's legible minimum.
A5_DENSITIES = (
    Density(8.5),
    Density(7.5),
    Density(8, columns=2, intro=False),
    Density(7.5, columns=2, partners=False, intro=False),
)
A4_DENSITIES = (
    Density(11),
    Density(10),
    Density(10, columns=2, intro=False),
    Density(9, columns=2, partners=False, intro=False),
)
POSTER_DENSITIES = (
    Density(16),
    Density(13),
    Density(13, columns=2),
    Density(11, columns=2),
)


def _document(html: str, fonts=None):
    from weasyprint import HTML  # imported on first use: heavy, and only coordinators need it

    return HTML(string=html).render(font_config=fonts)


def _fonts():
    """One font configuration for the renders of one sheet (it is slow to build)."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _rows(stops) -> list[dict]:
    return [
        {
            "day": day_fr(stop.date),
            "hours": hours_fr(stop.start_time, stop.end_time),
            "site": stop.site,
            "title": stop.title,
            "partners": [partner.name for partner in partners_of(stop)],
        }
        for stop in stops
        if not stop.is_cancelled
    ]


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


@dataclass(frozen=True)
class Fit:
    density: Density
    shown: int  # how many of the rows are listed; the others are counted in the "more" line


def fitting(
    rows: list[dict],
    densities: tuple[Density, ...],
    html_of: Callable[[Fit], str],
    fonts=None,
) -> tuple[Fit, object]:
    """The first fit whose sheet is one page, and its rendered document.

    Each density is tried with every row; then the densest with fewer rows (a binary search
    on how many: the fewer rows, the shorter the sheet)."""
    for density in densities:
        fit = Fit(density, len(rows))
        document = _document(html_of(fit), fonts)
        if len(document.pages) == 1:
            return fit, document
    densest = densities[-1]
    documents = {}

    def fits(shown: int) -> bool:
        document = _document(html_of(Fit(densest, shown)), fonts)
        documents[shown] = document
        return len(document.pages) == 1

    low, high = 0, len(rows) - 1  # the sheet without its list fits: `low` rows always do
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    if low not in documents:
        fits(low)
    return Fit(densest, low), documents[low]


def _sheet_context(fit: Fit, rows: list[dict]) -> dict:
    shown = rows[: fit.shown]
    # Two columns are two lists side by side, the first one the longer (CSS columns would
    # be balanced by WeasyPrint through repeated layouts: far slower).
    half = (len(shown) + 1) // 2 if fit.density.columns == 2 else len(shown)
    return {
        "density": fit.density,
        "columns": [part for part in (shown[:half], shown[half:]) if part],
        "more": len(rows) - fit.shown,
    }


def flyer_pdf(*, operator: Operator, month: Month, two_up: bool, page_url: str) -> bytes:
    rows = _rows(month_stops(operator, month.year, month.month))
    context = {
        "operator": operator,
        "month": month,
        "qr": _data_uri(qr_png(page_url)),
        "page_url": page_url,
        "has_rows": bool(rows),
    }

    def html_of(fit: Fit, *, copies: int = 1, probe: bool = False) -> str:
        return render_to_string(
            "public/print/flyer.html",
            {
                **context,
                **_sheet_context(fit, rows),
                "copies": list(range(copies)),
                "two_up": two_up and not probe,
                # An A5 copy is measured alone on an A5 page: the two-up sheet then holds it.
                "a5": two_up,
            },
        )

    fonts = _fonts()
    if not two_up:
        return fitting(rows, A4_DENSITIES, html_of, fonts)[1].write_pdf()
    fit, _ = fitting(rows, A5_DENSITIES, lambda fit: html_of(fit, probe=True), fonts)
    return _document(html_of(fit, copies=2), fonts).write_pdf()


def poster_pdf(*, operator: Operator, site: Site, site_url: str) -> bytes:
    rows = _rows(upcoming_stops(operator, days=POSTER_WEEKS * 7, site=site))
    context = {
        "operator": operator,
        "site": site,
        "qr": _data_uri(qr_png(site_url)),
        "page_url": site_url,
        "printed": day_fr(today(), with_year=True),
        "has_rows": bool(rows),
    }

    def html_of(fit: Fit) -> str:
        return render_to_string(
            "public/print/poster.html", {**context, **_sheet_context(fit, rows)}
        )

    return fitting(rows, POSTER_DENSITIES, html_of, _fonts())[1].write_pdf()
