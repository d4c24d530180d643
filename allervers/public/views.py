"""The public site: "Où est le bus ?" pages, widget, calendar feeds and open data.

Everything here is anonymous (`login_not_required`), read-only and cached (see cache.py).
Templates are rendered without the request: no context processor runs, so no session is read,
nothing personal can reach a cached copy, and the CSP nonce is put in by cache.py.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import Site

from . import opendata
from .cache import (
    NONCE_PLACEHOLDER,
    cached_response,
    operator_by_slug,
    public_operator,
    with_nonce,
)
from .feeds import build_calendar
from .jsonld import as_script_content, stop_event
from .qr import qr_svg
from .schedule import (
    day_fr,
    feed_stops,
    hours_fr,
    next_held_stop,
    partners_of,
    public_partners,
    public_sites,
    upcoming_stops,
)

ORIGIN_PATTERN = re.compile(r"^(https?://)?(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$", re.I)


def public_view(view: Callable) -> Callable:
    return login_not_required(require_safe(view))


# --- shared pieces -----------------------------------------------------------------------------


def not_found(request: HttpRequest, message: str, operator: Operator | None = None):
    """The residents' 404: French, in the public layout, with a way back."""
    html = render_to_string(
        "public/404.html",
        {"message": message, "operator": operator, "csp_nonce": NONCE_PLACEHOLDER},
    )
    return with_nonce(request, HttpResponse(html, status=404))


def _operator(slug: str) -> Operator | None:
    return operator_by_slug(slug)


GONE = "Nous ne connaissons pas cette adresse."


def _cached(
    request: HttpRequest,
    operator_slug: str,
    *,
    kind: str,
    build: Callable[[Operator], HttpResponse],
    parts: tuple = (),
    html: bool = False,
) -> HttpResponse:
    """The answer `build(operator)` makes for the operator of this address, from the cache when
    possible (see cache.py); the residents' 404 for an unknown operator."""
    found = public_operator(operator_slug)
    if found is None:
        return not_found(request, GONE)
    operator_id, stamp = found

    def build_now() -> HttpResponse:
        operator = Operator.objects.filter(pk=operator_id).first()
        if operator is None:  # deleted since its id was cached
            return not_found(request, GONE)
        return build(operator)

    return cached_response(
        request,
        kind=kind,
        operator_id=operator_id,
        stamp=stamp,
        build=build_now,
        parts=parts,
        html=html,
    )


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


def stop_rows(stops) -> list[dict]:
    """What a resident reads of each stop, computed once for every template."""
    return [
        {
            "stop": stop,
            "day": day_fr(stop.date),
            "hours": hours_fr(stop.start_time, stop.end_time),
            "partners": partners_of(stop),
        }
        for stop in stops
    ]


def _events(request: HttpRequest, operator: Operator, stops, page_url: str):
    return as_script_content(
        [
            stop_event(
                stop,
                operator=operator,
                site_url=site_url(request, operator, stop.site),
                page_url=page_url,
            )
            for stop in stops
        ]
    )


def _render(template: str, context: dict, status: int = 200) -> HttpResponse:
    context = {**context, "csp_nonce": NONCE_PLACEHOLDER}
    return HttpResponse(render_to_string(template, context), status=status)


# --- pages ---------------------------------------------------------------------------------------


@public_view
def operator_page(request: HttpRequest, operator_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        urls = _urls(request, operator)
        stops = upcoming_stops(operator)
        rows = stop_rows(stops)
        next_stop = next_held_stop(stops)
        next_row = next((row for row in rows if row["stop"] is next_stop), None)
        partners = list(public_partners(operator))
        return _render(
            "public/operator.html",
            {
                "operator": operator,
                "urls": urls,
                "next_row": next_row,
                "rows": rows,
                "sites": list(public_sites(operator)),
                "partners": partners,
                "feed_qr": qr_svg(urls["webcal"], title="Code QR pour s'abonner à l'agenda"),
                "events": _events(request, operator, stops, urls["page"]),
            },
        )

    return _cached(request, operator_slug, kind="page", build=build, html=True)


@public_view
def site_page(request: HttpRequest, operator_slug: str, site_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        site = Site.objects.for_operator(operator).filter(slug=site_slug).first()
        if site is None:
            return not_found(request, "Ce lieu n'existe pas, ou il n'existe plus.", operator)
        urls = _urls(request, operator)
        stops = upcoming_stops(operator, days=8 * 7, site=site)
        feed = request.build_absolute_uri(
            reverse("public:site_feed", args=[operator.slug, site.slug])
        )
        return _render(
            "public/site.html",
            {
                "operator": operator,
                "site": site,
                "urls": urls,
                "rows": stop_rows(stops),
                "site_feed": feed,
                "site_webcal": re.sub(r"^https?://", "webcal://", feed),
                "events": _events(request, operator, stops, site_url(request, operator, site)),
            },
        )

    return _cached(request, operator_slug, kind="site", parts=(site_slug,), build=build, html=True)


def widget_origins(operator: Operator) -> list[str]:
    """The operator's allowed framing origins, keeping only well-formed ones (header-safe)."""
    origins = []
    for line in operator.widget_allowed_origins.splitlines():
        origin = line.strip().rstrip("/")
        if origin and ORIGIN_PATTERN.match(origin):
            origins.append(origin)
    return origins


@public_view
@xframe_options_exempt
def widget(request: HttpRequest, operator_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        stops = upcoming_stops(operator, days=21)
        response = _render(
            "public/widget.html",
            {"operator": operator, "urls": _urls(request, operator), "rows": stop_rows(stops[:5])},
        )
        # Only this view may be framed, and only by the sites the operator lists (and by
        # itself, for the preview in the back office). Kept with the cached copy.
        response._csp_config = {
            **settings.SECURE_CSP,
            "frame-ancestors": [CSP.SELF, *widget_origins(operator)],
        }
        return response

    return _cached(request, operator_slug, kind="widget", build=build, html=True)


@public_view
def accessibility(request: HttpRequest, operator_slug: str | None = None) -> HttpResponse:
    operator = None
    if operator_slug is not None:
        operator = _operator(operator_slug)
        if operator is None:
            return not_found(request, GONE)
    return with_nonce(request, _render("public/accessibility.html", {"operator": operator}))


@public_view
def unknown_page(request: HttpRequest, operator_slug: str, rest: str) -> HttpResponse:
    return not_found(request, "Cette page n'existe pas.", _operator(operator_slug))


# --- calendar feeds ------------------------------------------------------------------------------


def _calendar_response(
    request: HttpRequest, operator: Operator, *, stops, name: str, filename: str
) -> HttpResponse:
    body = build_calendar(
        operator=operator,
        stops=stops,
        name=name,
        page_url=_urls(request, operator)["page"],
        site_url_of=lambda site: site_url(request, operator, site),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@public_view
def feed(request: HttpRequest, operator_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        return _calendar_response(
            request,
            operator,
            stops=feed_stops(operator),
            name=f"Le bus — {operator.name}",
            filename=f"{operator.slug}.ics",
        )

    return _cached(request, operator_slug, kind="feed", build=build)


@public_view
def site_feed(request: HttpRequest, operator_slug: str, site_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        site = Site.objects.for_operator(operator).filter(slug=site_slug).first()
        if site is None:
            return not_found(request, "Ce lieu n'existe pas, ou il n'existe plus.", operator)
        return _calendar_response(
            request,
            operator,
            stops=feed_stops(operator, site=site),
            name=f"Le bus à {site.name}",
            filename=f"{operator.slug}-{site.slug}.ics",
        )

    return _cached(request, operator_slug, kind="site-feed", parts=(site_slug,), build=build)


@public_view
def partner_feed(request: HttpRequest, operator_slug: str, partner_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        partner = Partner.objects.for_operator(operator).filter(slug=partner_slug).first()
        if partner is None:
            return not_found(
                request, "Ce partenaire n'existe pas, ou il ne vient plus dans le bus.", operator
            )
        return _calendar_response(
            request,
            operator,
            stops=feed_stops(operator, partner=partner),
            name=f"{partner.name} dans le bus — {operator.name}",
            filename=f"{operator.slug}-{partner.slug}.ics",
        )

    return _cached(request, operator_slug, kind="partner-feed", parts=(partner_slug,), build=build)


# --- open data -----------------------------------------------------------------------------------


@public_view
def data_inclusion(request: HttpRequest, operator_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        urls = _urls(request, operator)
        data = opendata.data_inclusion_export(operator, page_url=urls["page"])
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return _cached(request, operator_slug, kind="data-inclusion", build=build)


@public_view
def lieux_mediation(request: HttpRequest, operator_slug: str) -> HttpResponse:
    def build(operator: Operator) -> HttpResponse:
        body = opendata.lieux_mediation_csv(
            operator,
            page_url=_urls(request, operator)["page"],
            site_url_of=lambda site: site_url(request, operator, site),
        )
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        filename = f"{operator.slug}-lieux-mediation-numerique.csv"
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return _cached(request, operator_slug, kind="lieux-mediation", build=build)
