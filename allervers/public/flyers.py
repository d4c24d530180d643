"""Printable flyers and posters (WeasyPrint), from the same reads as the public page.

- `flyer_pdf`: a month's held stops, A4, or A5 "two-up" (two identical A5 flyers side by side
  on one landscape A4 sheet: print, cut in two, half the paper).
- `poster_pdf`: one site's coming stops, A4, to stick up at the site.
Each carries a QR code (PNG made by `qr.qr_png`) of the public page's address.
"""

import base64
import datetime
import logging

from django.template.loader import render_to_string

from allervers.core.qr import qr_png
from allervers.operators.models import Operator
from allervers.planning.models import Site

from .queries import Month, day_fr, hours_fr, month_stops, partners_of, upcoming_stops

POSTER_WEEKS = 8
# WeasyPrint logs every layout step at INFO: noise in the server log for each download.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported on first use: heavy, and only coordinators need it

    return HTML(string=html).write_pdf()


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


def flyer_pdf(*, operator: Operator, month: Month, two_up: bool, page_url: str) -> bytes:
    html = render_to_string(
        "public/print/flyer.html",
        {
            "operator": operator,
            "month": month,
            "rows": _rows(month_stops(operator, month.year, month.month)),
            "qr": _data_uri(qr_png(page_url)),
            "page_url": page_url,
            "copies": [1, 2] if two_up else [1],
            "two_up": two_up,
        },
    )
    return _pdf(html)


def poster_pdf(*, operator: Operator, site: Site, site_url: str) -> bytes:
    stops = upcoming_stops(operator, days=POSTER_WEEKS * 7, site=site)
    html = render_to_string(
        "public/print/poster.html",
        {
            "operator": operator,
            "site": site,
            "rows": _rows(stops),
            "qr": _data_uri(qr_png(site_url)),
            "page_url": site_url,
            "printed": day_fr(datetime.date.today(), with_year=True),
        },
    )
    return _pdf(html)
