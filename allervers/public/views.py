"""The public site: "Où est le bus ?" pages, widget, calendar feeds and open data.

Everything here is anonymous, read-only and cached: each view receives the operator of the
address and returns its page or its data; the decorators (decorators.py) find the operator,
cache the answer and put the CSP nonce in.
"""

import datetime
import re

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt

from allervers.bookings.queries import public_workshops_by_stop
from allervers.core.qr import qr_svg
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import Site

from . import booking_queries, opendata
from .decorators import (
    NO_SUCH_PAGE,
    Page,
    anonymous_get,
    not_found_page,
    public_data,
    public_page,
)
from .feeds import build_calendar
from .jsonld import as_script_content, stop_event, workshop_event
from .queries import (
    MovedAway,
    day_fr,
    feed_stops,
    hours_fr,
    moved_away_from,
    next_held_stop,
    operator_by_slug,
    partner_by_slug,
    partners_of,
    public_partners,
    public_sites,
    public_vehicles,
    site_by_slug,
    slot_fr,
    stop_change,
    today,
    upcoming_stops,
    workshop_fr,
)

ORIGIN_PATTERN = re.compile(r"^(https?://)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$", re.I)
NO_SITE = "Ce lieu n'existe pas, ou il n'existe plus."
SITE_PAGE_DAYS = 8 * 7


# --- shared pieces -----------------------------------------------------------------------------


def _urls(request: HttpRequest, operator: Operator) -> dict:
    """Absolute addresses used in the page, its QR codes and JSON-LD."""
    page = request.build_absolute_uri(reverse("public:operator", args=[operator.slug]))
    feed = request.build_absolute_uri(reverse("public:feed", args=[operator.slug]))
    return {
        "page": page,
        "feed": feed,
        "webcal": re.sub(r"^https?://", "webcal://", feed),
    }


def site_url(request: HttpRequest, operator: Operator, site: Site) -> str:
    return request.build_absolute_uri(reverse("public:site", args=[operator.slug, site.slug]))


def workshop_url(request: HttpRequest, operator: Operator, workshop) -> str:
    return request.build_absolute_uri(reverse("public:workshop", args=[operator.slug, workshop.pk]))


def stop_rows(
    stops,
    workshops: dict[int, list] | None = None,
    *,
    bookable: frozenset[int] = frozenset(),
) -> list[dict]:
    """What a resident reads of each stop (and of its workshops, `public_workshops_by_stop`),
    computed once for every template; `bookable`: the stops where an appointment can be booked
    online (a link to book)."""
    workshops = workshops or {}
    return [
        {
            "stop": stop,
            "bookable": stop.pk in bookable,
            "day": day_fr(stop.date),
            "hours": hours_fr(stop.start_time, stop.end_time),
            "partners": partners_of(stop),
            "change": stop_change(stop),
            "moved_away": None,
            "workshops": [
                {"workshop": workshop, "text": workshop_fr(workshop)}
                for workshop in workshops.get(stop.pk, [])
            ],
        }
        for stop in stops
    ]


def moved_away_rows(moves: list[MovedAway]) -> list[dict]:
    """A site's old slots of the stops moved away: « déplacée : <new place, day, hours> »."""
    return [
        {
            "moved_away": move,
            "day": day_fr(move.slot.date),
            "hours": hours_fr(move.slot.start_time, move.slot.end_time),
            "now": slot_fr(move.stop.date, move.stop.start_time, move.stop.end_time, ""),
        }
        for move in moves
    ]


def _slot_order(row: dict) -> tuple:
    if row["moved_away"] is not None:
        slot = row["moved_away"].slot
        return (slot.date, slot.start_time)
    return (row["stop"].date, row["stop"].start_time)


def _events(request: HttpRequest, operator: Operator, stops, page_url: str, workshops: dict):
    events = []
    for stop in stops:
        event = stop_event(
            stop,
            operator=operator,
            site_url=site_url(request, operator, stop.site),
            page_url=page_url,
        )
        events.append(event)
        events.extend(
            workshop_event(
                workshop,
                operator=operator,
                stop_event=event,
                url=workshop_url(request, operator, workshop),
            )
            for workshop in workshops.get(stop.pk, [])
        )
    return as_script_content(events)


def _workshops(stops) -> dict[int, list]:
    return public_workshops_by_stop([stop.pk for stop in stops])


# --- pages ---------------------------------------------------------------------------------------


def _site(operator: Operator, site_slug: str) -> Site:
    site = site_by_slug(operator, site_slug)
    if site is None:
        raise Http404(NO_SITE)
    return site


def _bookable_stops(operator: Operator) -> frozenset[int]:
    """The stops with a free slot bookable online now. The page is cached (see cache.py): a
    slot taken meanwhile still shows its stop's link a few minutes; the booking page, never
    cached, says so."""
    return frozenset(found.stop.pk for found in booking_queries.bookable(operator))


@public_page
def operator_page(request: HttpRequest, operator: Operator) -> Page:
    urls = _urls(request, operator)
    stops = upcoming_stops(operator)
    workshops = _workshops(stops)
    bookable_stops = _bookable_stops(operator)
    rows = stop_rows(stops, workshops, bookable=bookable_stops)
    next_stop = next_held_stop(stops)
    next_row = next((row for row in rows if row["stop"] is next_stop), None)
    partners = list(public_partners(operator))
    return Page(
        "public/operator.html",
        {
            "operator": operator,
            "urls": urls,
            "next_row": next_row,
            "rows": rows,
            "sites": list(public_sites(operator)),
            "partners": partners,
            "vehicles": list(public_vehicles(operator)),
            "feed_qr": qr_svg(urls["webcal"], title="Code QR pour s'abonner à l'agenda"),
            "events": _events(request, operator, stops, urls["page"], workshops),
            "booking_open": bool(bookable_stops),
        },
    )


@public_page
def site_page(request: HttpRequest, operator: Operator, site_slug: str) -> Page:
    site = _site(operator, site_slug)
    urls = _urls(request, operator)
    stops = upcoming_stops(operator, days=SITE_PAGE_DAYS, site=site)
    start = today()
    moves = moved_away_from(operator, site, start, start + datetime.timedelta(days=SITE_PAGE_DAYS))
    workshops = _workshops(stops)
    rows = stop_rows(stops, workshops, bookable=_bookable_stops(operator))
    rows = sorted(rows + moved_away_rows(moves), key=_slot_order)
    feed = request.build_absolute_uri(reverse("public:site_feed", args=[operator.slug, site.slug]))
    return Page(
        "public/site.html",
        {
            "operator": operator,
            "site": site,
            "urls": urls,
            "rows": rows,
            "site_feed": feed,
            "site_webcal": re.sub(r"^https?://", "webcal://", feed),
            "events": _events(
                request, operator, stops, site_url(request, operator, site), workshops
            ),
        },
    )


def widget_origins(operator: Operator) -> list[str]:
    """The operator's allowed framing origins, keeping only well-formed ones (header-safe)."""
    origins = []
    for line in operator.widget_allowed_origins.splitlines():
        origin = line.strip().rstrip("/")
        if origin and ORIGIN_PATTERN.match(origin):
            origins.append(origin)
    return origins


@xframe_options_exempt
@public_page
def widget(request: HttpRequest, operator: Operator) -> Page:
    stops = upcoming_stops(operator, days=21)
    bookable_stops = _bookable_stops(operator)
    booking = {
        name: request.build_absolute_uri(reverse(f"public:{name}", args=[operator.slug]))
        for name in ("booking_start", "booking_slot")
    }
    shown = stops[:5]
    return Page(
        "public/widget.html",
        {
            "operator": operator,
            "urls": {**_urls(request, operator), **booking},
            "rows": stop_rows(shown, _workshops(shown), bookable=bookable_stops),
            "booking_open": bool(bookable_stops),
        },
        # Only this view may be framed, and only by the sites the operator lists (and by
        # itself, for the preview in the back office).
        csp={"frame-ancestors": [CSP.SELF, *widget_origins(operator)]},
    )


@public_page
def accessibility(request: HttpRequest, operator: Operator | None) -> Page:
    return Page("public/accessibility.html", {"operator": operator})


@anonymous_get
def unknown_page(request: HttpRequest, operator_slug: str, rest: str) -> HttpResponse:
    return not_found_page(request, NO_SUCH_PAGE, operator_by_slug(operator_slug))


# --- calendar feeds ------------------------------------------------------------------------------


def _calendar_response(
    request: HttpRequest,
    operator: Operator,
    *,
    name: str,
    site: Site | None = None,
    partner: Partner | None = None,
) -> HttpResponse:
    """The feed of the operator's stops (at one site, or with one partner) and workshops."""
    subject = site or partner
    filename = f"{operator.slug}-{subject.slug}.ics" if subject else f"{operator.slug}.ics"
    stops = feed_stops(operator, site=site, partner=partner)
    # A partner's feed holds its presences; the workshops are the bus team's.
    workshops = (
        {}
        if partner
        else public_workshops_by_stop([stop.pk for stop in stops], with_cancelled=True)
    )
    body = build_calendar(
        operator=operator,
        stops=stops,
        name=name,
        page_url=_urls(request, operator)["page"],
        site_url_of=lambda place: site_url(request, operator, place),
        workshops=workshops,
        workshop_url_of=lambda workshop: workshop_url(request, operator, workshop),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@public_data
def feed(request: HttpRequest, operator: Operator) -> HttpResponse:
    return _calendar_response(request, operator, name=f"Le bus — {operator.name}")


@public_data
def site_feed(request: HttpRequest, operator: Operator, site_slug: str) -> HttpResponse:
    site = _site(operator, site_slug)
    return _calendar_response(request, operator, name=f"Le bus à {site.name}", site=site)


@public_data
def partner_feed(request: HttpRequest, operator: Operator, partner_slug: str) -> HttpResponse:
    partner = partner_by_slug(operator, partner_slug)
    if partner is None:
        raise Http404("Ce partenaire n'existe pas, ou il ne vient plus dans le bus.")
    name = f"{partner.name} dans le bus — {operator.name}"
    return _calendar_response(request, operator, name=name, partner=partner)


# --- open data -----------------------------------------------------------------------------------


@public_data
def data_inclusion(request: HttpRequest, operator: Operator) -> HttpResponse:
    data = opendata.data_inclusion_export(operator, page_url=_urls(request, operator)["page"])
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})


@public_data
def lieux_mediation(request: HttpRequest, operator: Operator) -> HttpResponse:
    body = opendata.lieux_mediation_csv(
        operator,
        page_url=_urls(request, operator)["page"],
        site_url_of=lambda site: site_url(request, operator, site),
    )
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    filename = f"{operator.slug}-lieux-mediation-numerique.csv"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
