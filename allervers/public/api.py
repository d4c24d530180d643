"""The read-only JSON API (django-ninja), with its OpenAPI description at `api/v1/openapi.json`.

- Everything is public and cached like the pages (see cache.py); answers carry an ETag.
- A bad parameter answers 400 with a French message (never ninja's 422, never a 500); an unknown
  operator 404.
"""

import datetime
import math
import re
from collections.abc import Callable
from enum import StrEnum
from functools import wraps

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.errors import HttpError, ValidationError

from allervers.bookings.queries import public_workshops_by_stop, seats_left
from allervers.operators.models import Operator

from .decorators import (
    ALLOWED_METHODS,
    READ_METHODS,
    SLUG,
    api_front_cache,
    preflight_response,
    with_cors,
)
from .queries import (
    operator_by_slug,
    partner_by_slug,
    previous_start,
    public_operators,
    public_partners,
    public_sites,
    public_stops,
    site_by_slug,
    stop_change,
    today,
)

MAX_PAGE_SIZE = 200
MAX_SPAN_DAYS = 400
DEFAULT_SPAN_DAYS = 90
FIRST_DATE = datetime.date(2000, 1, 1)
LAST_DATE = datetime.date(2100, 12, 31)

api = NinjaAPI(
    title="Allervers — Où est le bus ?",
    version="1",
    description=(
        "Les passages publics des bus d'aller-vers : structures, lieux, partenaires, "
        "passages (dont les passages annulés) et leurs ateliers collectifs. Lecture seule, "
        "sans compte, sans donnée personnelle. Les erreurs de paramètre répondent 400 avec "
        "un message en français."
    ),
    urls_namespace="public:api",
    docs_url=None,
)


# --- schemas -------------------------------------------------------------------------------------


class Error(Schema):
    detail: str


class OperatorOut(Schema):
    slug: str
    name: str
    phone: str
    email: str
    website: str
    public_url: str
    feed_url: str


class SiteOut(Schema):
    slug: str
    name: str
    address: str
    postcode: str
    city: str
    latitude: float | None
    longitude: float | None
    access_notes: str
    accessibility_notes: str
    public_url: str
    feed_url: str


class PartnerOut(Schema):
    slug: str
    name: str
    description: str
    network: str
    feed_url: str


class PartnerRef(Schema):
    slug: str
    name: str


class SlotOut(Schema):
    date: datetime.date
    start_time: str
    end_time: str
    site: str | None
    site_name: str | None


class WorkshopOut(Schema):
    id: int
    title: str
    theme: str | None = Field(None, description="La thématique de l'atelier, s'il en a une.")
    description: str
    start_time: str
    end_time: str
    capacity: int = Field(..., description="Le nombre de places de l'atelier.")
    seats_left: int = Field(..., description="Les places encore libres (0 : complet).")
    waiting_list: bool = Field(
        ..., description="Complet : une nouvelle inscription va sur la liste d'attente."
    )
    public_registration: bool = Field(
        ..., description="Les habitants peuvent s'inscrire en ligne (sinon : auprès de l'équipe)."
    )
    public_url: str
    previous_date: datetime.date | None = Field(
        None, description="Le passage a été déplacé : le jour où l'atelier était annoncé."
    )
    previous_start_time: str | None = Field(
        None, description="Le passage a été déplacé : l'heure où l'atelier était annoncé."
    )


class StopOut(Schema):
    id: int
    date: datetime.date
    start_time: str
    end_time: str
    title: str
    status: str
    status_label: str
    cancel_reason: str | None
    cancel_reason_label: str | None
    cancel_note: str
    site: str
    site_name: str
    partners: list[PartnerRef]
    moved_from: SlotOut | None = Field(
        None, description="Le passage a été déplacé : où et quand il était annoncé d'abord."
    )
    restored: bool = Field(
        False, description="Le passage avait été annulé, puis rétabli (il est maintenu)."
    )
    workshops: list[WorkshopOut] = Field(
        [], description="Les ateliers collectifs du passage (aucun pour un passage annulé)."
    )


class Page(Schema):
    count: int
    page: int
    page_size: int
    pages: int


class OperatorPage(Page):
    results: list[OperatorOut]


class SitePage(Page):
    results: list[SiteOut]


class PartnerPage(Page):
    results: list[PartnerOut]


class StopPage(Page):
    results: list[StopOut]


class Status(StrEnum):
    HELD = "held"
    CANCELLED = "cancelled"


class Paging(Schema):
    page: int = Query(1, ge=1, le=100_000, description="Numéro de page, à partir de 1.")
    page_size: int = Query(
        50, ge=1, le=MAX_PAGE_SIZE, description=f"Éléments par page (1 à {MAX_PAGE_SIZE})."
    )


class StopFilters(Paging):
    start: datetime.date | None = Query(
        None, description="Premier jour (AAAA-MM-JJ). Par défaut : aujourd'hui."
    )
    end: datetime.date | None = Query(
        None,
        description=f"Dernier jour (AAAA-MM-JJ). Par défaut : {DEFAULT_SPAN_DAYS} jours après.",
    )
    site: str | None = Query(None, pattern=SLUG, description="Identifiant d'un lieu.")
    partner: str | None = Query(None, pattern=SLUG, description="Identifiant d'un partenaire.")
    status: Status | None = Query(None, description="held (maintenue) ou cancelled (annulée).")


# --- French errors -------------------------------------------------------------------------------

_DATE = "doit être une date au format AAAA-MM-JJ (par exemple 2026-05-04)"
_MESSAGES = {
    "date_parsing": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": _DATE,
    "date_type": _DATE,
    "int_parsing": "doit être un nombre entier",
    "int_type": "doit être un nombre entier",
    "int_from_float": "doit être un nombre entier",
    "greater_than_equal": "est trop petit (au moins {ge})",
    "less_than_equal": "est trop grand (au plus {le})",
    "string_pattern_mismatch": (
        "ne doit contenir que des lettres sans accent, des chiffres et des tirets"
    ),
    "enum": "doit valoir l'une de ces valeurs : {expected}",
    "literal_error": "doit valoir l'une de ces valeurs : {expected}",
    "missing": "est obligatoire",
}


def _french_list(expected: str) -> str:
    """pydantic's "'held' or 'cancelled'" said in French: « held » ou « cancelled »."""
    values = [f"« {value} »" for value in re.findall(r"'([^']*)'", expected)]
    if len(values) < 2:
        return ", ".join(values) or expected
    return ", ".join(values[:-1]) + " ou " + values[-1]


def _describe(error: dict) -> str:
    name = str(error.get("loc", ["", "?"])[-1])
    template = _MESSAGES.get(error.get("type", ""), "n'est pas valide")
    context = dict(error.get("ctx") or {})
    if "expected" in context:
        context["expected"] = _french_list(str(context["expected"]))
    try:
        text = template.format(**context)
    except (KeyError, IndexError, ValueError):
        text = "n'est pas valide"
    return f"Le paramètre « {name} » {text}."


@api.exception_handler(ValidationError)
def bad_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = " ".join(dict.fromkeys(_describe(error) for error in exc.errors))
    return api.create_response(request, {"detail": detail}, status=400)


# --- helpers -------------------------------------------------------------------------------------


def _operator(slug: str) -> Operator:
    operator = operator_by_slug(slug)
    if operator is None:
        raise HttpError(404, "Cette structure n'existe pas.")
    return operator


def _json(schema: Schema) -> HttpResponse:
    return HttpResponse(schema.model_dump_json(), content_type="application/json; charset=utf-8")


def _page(items: list, paging: Paging) -> dict:
    count = len(items)
    first = (paging.page - 1) * paging.page_size
    return {
        "count": count,
        "page": paging.page,
        "page_size": paging.page_size,
        "pages": max(1, math.ceil(count / paging.page_size)),
        "results": items[first : first + paging.page_size],
    }


def _absolute(request: HttpRequest, name: str, *args) -> str:
    return request.build_absolute_uri(reverse(f"public:{name}", args=args))


def _operator_out(request: HttpRequest, operator: Operator) -> OperatorOut:
    return OperatorOut(
        slug=operator.slug,
        name=operator.name,
        phone=operator.phone,
        email=operator.email,
        website=operator.website,
        public_url=_absolute(request, "operator", operator.slug),
        feed_url=_absolute(request, "feed", operator.slug),
    )


def _change_out(stop) -> dict:
    change = stop_change(stop)
    if change is None:
        return {}
    slot = change.moved_from
    moved_from = None
    if slot is not None:
        moved_from = SlotOut(
            date=slot.date,
            start_time=f"{slot.start_time:%H:%M}",
            end_time=f"{slot.end_time:%H:%M}",
            site=slot.site.slug if slot.site else None,
            site_name=slot.site.name if slot.site else None,
        )
    return {"moved_from": moved_from, "restored": change.restored}


def _workshop_out(request: HttpRequest, operator: Operator, workshop) -> WorkshopOut:
    left = seats_left(workshop)
    previous = None if workshop.is_cancelled else previous_start(workshop.stop, workshop.start_time)
    return WorkshopOut(
        previous_date=previous[0] if previous else None,
        previous_start_time=f"{previous[1]:%H:%M}" if previous else None,
        id=workshop.pk,
        title=workshop.title,
        theme=workshop.topic.name if workshop.topic_id else None,
        description=workshop.description,
        start_time=f"{workshop.start_time:%H:%M}",
        end_time=f"{workshop.end_time:%H:%M}",
        capacity=workshop.capacity,
        seats_left=left,
        waiting_list=left == 0,
        public_registration=workshop.public_registration,
        public_url=_absolute(request, "workshop", operator.slug, workshop.pk),
    )


# --- endpoints -----------------------------------------------------------------------------------

ERRORS = {400: Error, 404: Error}


@api.get("/operators", response={200: OperatorPage, 400: Error}, summary="Les structures")
def operators(request: HttpRequest, paging: Query[Paging]):
    items = [_operator_out(request, op) for op in public_operators()]
    return _json(OperatorPage(**_page(items, paging)))


class OperatorPath(Schema):
    slug: str = Path(..., pattern=SLUG, description="Identifiant de la structure.")


@api.get("/operators/{slug}", response={200: OperatorOut, **ERRORS}, summary="Une structure")
def operator_detail(request: HttpRequest, path: Path[OperatorPath]):
    return _json(_operator_out(request, _operator(path.slug)))


@api.get("/operators/{slug}/sites", response={200: SitePage, **ERRORS}, summary="Ses lieux")
def sites(request: HttpRequest, path: Path[OperatorPath], paging: Query[Paging]):
    operator = _operator(path.slug)

    items = [
        SiteOut(
            slug=site.slug,
            name=site.name,
            address=site.address,
            postcode=site.postcode,
            city=site.city,
            latitude=float(site.latitude) if site.latitude is not None else None,
            longitude=float(site.longitude) if site.longitude is not None else None,
            access_notes=site.access_notes,
            accessibility_notes=site.accessibility_notes,
            public_url=_absolute(request, "site", operator.slug, site.slug),
            feed_url=_absolute(request, "site_feed", operator.slug, site.slug),
        )
        for site in public_sites(operator)
    ]
    return _json(SitePage(**_page(items, paging)))


@api.get(
    "/operators/{slug}/partners", response={200: PartnerPage, **ERRORS}, summary="Ses partenaires"
)
def partners(request: HttpRequest, path: Path[OperatorPath], paging: Query[Paging]):
    operator = _operator(path.slug)

    items = [
        PartnerOut(
            slug=partner.slug,
            name=partner.name,
            description=partner.description,
            network=partner.get_network_display() if partner.network else "",
            feed_url=_absolute(request, "partner_feed", operator.slug, partner.slug),
        )
        for partner in public_partners(operator)
    ]
    return _json(PartnerPage(**_page(items, paging)))


@api.get(
    "/operators/{slug}/stops",
    response={200: StopPage, **ERRORS},
    summary="Ses passages",
    description="Les passages du bus entre deux dates (90 jours à partir d'aujourd'hui par "
    f"défaut, {MAX_SPAN_DAYS} jours au plus), filtrés par lieu, partenaire ou statut, avec "
    "leurs ateliers collectifs et les places qui y restent.",
)
def stops(request: HttpRequest, path: Path[OperatorPath], filters: Query[StopFilters]):
    operator = _operator(path.slug)
    start = filters.start or today()
    if not FIRST_DATE <= start <= LAST_DATE:
        raise HttpError(400, "Le paramètre « start » doit être entre l'an 2000 et l'an 2100.")
    end = filters.end or min(start + datetime.timedelta(days=DEFAULT_SPAN_DAYS), LAST_DATE)
    if not FIRST_DATE <= end <= LAST_DATE:
        raise HttpError(400, "Le paramètre « end » doit être entre l'an 2000 et l'an 2100.")
    if end < start:
        raise HttpError(400, "La date de fin (end) doit être après la date de début (start).")
    if (end - start).days > MAX_SPAN_DAYS:
        raise HttpError(400, f"La période demandée ne peut pas dépasser {MAX_SPAN_DAYS} jours.")
    site = partner = None
    if filters.site:
        site = site_by_slug(operator, filters.site)
        if site is None:
            raise HttpError(400, f"Le lieu « {filters.site} » n'existe pas.")
    if filters.partner:
        partner = partner_by_slug(operator, filters.partner)
        if partner is None:
            raise HttpError(400, f"Le partenaire « {filters.partner} » n'existe pas.")

    queryset = public_stops(operator).between(start, end)
    if site is not None:
        queryset = queryset.filter(site=site)
    if partner is not None:
        queryset = queryset.filter(presences__partner=partner)
    if filters.status:
        queryset = queryset.filter(status=filters.status.value)
    count = queryset.count()
    first = (filters.page - 1) * filters.page_size
    page_stops = list(queryset[first : first + filters.page_size])
    workshops = public_workshops_by_stop([stop.pk for stop in page_stops])
    results = [
        StopOut(
            id=stop.pk,
            date=stop.date,
            start_time=f"{stop.start_time:%H:%M}",
            end_time=f"{stop.end_time:%H:%M}",
            title=stop.title,
            status=stop.status,
            status_label=stop.get_status_display(),
            cancel_reason=stop.cancel_reason or None,
            cancel_reason_label=stop.get_cancel_reason_display() or None,
            cancel_note=stop.cancel_note,
            site=stop.site.slug,
            site_name=stop.site.name,
            partners=[
                PartnerRef(slug=presence.partner.slug, name=presence.partner.name)
                for presence in stop.presences.all()
            ],
            workshops=[
                _workshop_out(request, operator, workshop)
                for workshop in workshops.get(stop.pk, [])
            ],
            **_change_out(stop),
        )
        for stop in page_stops
    ]
    return _json(
        StopPage(
            count=count,
            page=filters.page,
            page_size=filters.page_size,
            pages=max(1, math.ceil(count / filters.page_size)),
            results=results,
        )
    )


# --- URLs --------------------------------------------------------------------------------------


def _error(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


def query_names() -> dict[str, frozenset[str]]:
    """The query parameters of each route ("operators/<slug>/stops"), read from the OpenAPI
    description: what it documents is exactly what is accepted."""
    schema = api.get_openapi_schema(path_prefix="")
    return {
        re.sub(r"\{(\w+)\}", r"<\1>", path.lstrip("/")): frozenset(
            parameter["name"]
            for operation in operations.values()
            for parameter in operation.get("parameters", [])
            if parameter["in"] == "query"
        )
        for path, operations in schema["paths"].items()
    }


def public_api(view: Callable, accepted: frozenset[str] | None) -> Callable:
    """In front of every API address: read-only (a preflight is answered, other methods get a
    French 405), readable from any site (CORS), and with `accepted` query parameters only (an
    unknown one is refused, 400, by name: a misspelt filter must not be silently ignored)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return preflight_response()
        if request.method not in READ_METHODS:
            response = _error(request, 405, "Cette API se lit seulement : utilisez GET.")
            response["Allow"] = ALLOWED_METHODS
            return with_cors(response)
        if accepted is not None:
            unknown = sorted(name for name in request.GET if name not in accepted)
            if unknown:
                names = ", ".join(f"« {name[:40]} »" for name in unknown[:5])
                known = ", ".join(sorted(accepted)) or "aucun"
                plural = "s" if len(unknown) > 1 else ""
                return with_cors(
                    _error(
                        request,
                        400,
                        f"Paramètre{plural} inconnu{plural} : {names}. "
                        f"Paramètres acceptés ici : {known}.",
                    )
                )
        # The operations are declared for GET; HEAD is the same answer, its body dropped by
        # the server.
        request.method = "GET" if request.method == "HEAD" else request.method
        return with_cors(view(request, *args, **kwargs))

    return wrapper


def anonymous_urls():
    """The API's URL patterns: open without login (LoginRequiredMiddleware), cached in front,
    behind `public_api`."""
    patterns, app_name, namespace = api.urls
    accepted = query_names()
    for pattern in patterns:
        route = str(pattern.pattern)
        if pattern.name not in ("openapi-json", "api-root"):
            pattern.callback = public_api(api_front_cache(pattern.callback), accepted[route])
        elif pattern.name == "openapi-json":
            # Cached like every other answer: an ETag, `Cache-Control` and a 304 on revalidation.
            pattern.callback = public_api(api_front_cache(pattern.callback), None)
        else:
            pattern.callback = public_api(pattern.callback, None)
        pattern.callback.login_required = False
    return patterns, app_name, namespace
