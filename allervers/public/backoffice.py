"""The coordinator's publication tools: flyers, posters, the social picture, the widget snippet.

These are back-office views (namespace "publication", guarded by `operator_view`); what they
produce is public information, made from the same reads as the public page.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.views.decorators.http import require_safe

from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import get_scoped_or_404, operator_view
from allervers.planning.models import Site

from .flyers import flyer_pdf, poster_pdf
from .opendata import mediation_sites
from .queries import Month, public_sites
from .social import social_png, social_text
from .views import widget_origins


def _page_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("public:operator", args=[request.operator.slug]))


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "public/backoffice/bad_request.html", {"message": message}, status=400)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _sites_left_out(operator) -> list[Site]:
    """Sites the "lieux de médiation numérique" file cannot hold (no postcode or commune)."""
    kept = {site.pk for site in mediation_sites(operator)}
    return [site for site in public_sites(operator) if site.pk not in kept]


@require_safe
@operator_view(*COORDINATOR_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    operator = request.operator
    this_month = Month.parse(None)
    next_month = Month.parse(
        f"{this_month.year + this_month.month // 12}-{this_month.month % 12 + 1:02d}"
    )
    widget_url = request.build_absolute_uri(reverse("public:widget", args=[operator.slug]))
    snippet = (
        # Pasted as HTML into another site: the operator's name is escaped for the attribute.
        f'<iframe src="{escape(widget_url)}" title="Où est le bus ? — {escape(operator.name)}" '
        'width="100%" height="460" style="border:0;max-width:32rem" loading="lazy"></iframe>'
    )
    return render(
        request,
        "public/backoffice/index.html",
        {
            "months": [this_month, next_month],
            "sites": list(public_sites(operator)),
            "page_url": _page_url(request),
            "feed_url": request.build_absolute_uri(reverse("public:feed", args=[operator.slug])),
            "api_url": request.build_absolute_uri(reverse("public:api:openapi-json")),
            "data_url": request.build_absolute_uri(
                reverse("public:data_inclusion", args=[operator.slug])
            ),
            "mediation_url": request.build_absolute_uri(
                reverse("public:lieux_mediation", args=[operator.slug])
            ),
            "siret": operator.siret,
            "sites_left_out": _sites_left_out(operator),
            "widget_url": widget_url,
            "snippet": snippet,
            "origins": widget_origins(operator),
            "social_text": social_text(operator=operator, page_url=_page_url(request)),
        },
    )


@require_safe
@operator_view(*COORDINATOR_ROLES)
def flyer(request: HttpRequest) -> HttpResponse:
    try:
        month = Month.parse(request.GET.get("mois"))
    except ValueError as error:
        return _bad_request(request, str(error))
    layout = request.GET.get("format", "a4")
    if layout not in ("a4", "a5"):
        return _bad_request(request, "Le format doit être « a4 » ou « a5 ».")
    pdf = flyer_pdf(
        operator=request.operator,
        month=month,
        two_up=layout == "a5",
        page_url=_page_url(request),
    )
    return _download(
        pdf, "application/pdf", f"{request.operator.slug}-flyer-{month.value}-{layout}.pdf"
    )


@require_safe
@operator_view(*COORDINATOR_ROLES)
def poster(request: HttpRequest, site_id: int) -> HttpResponse:
    site = get_scoped_or_404(request, Site, pk=site_id)
    site_url = request.build_absolute_uri(
        reverse("public:site", args=[request.operator.slug, site.slug])
    )
    pdf = poster_pdf(operator=request.operator, site=site, site_url=site_url)
    return _download(pdf, "application/pdf", f"{request.operator.slug}-affiche-{site.slug}.pdf")


@require_safe
@operator_view(*COORDINATOR_ROLES)
def social_picture(request: HttpRequest) -> HttpResponse:
    png = social_png(operator=request.operator, page_url=_page_url(request))
    response = HttpResponse(png, content_type="image/png")
    if request.GET.get("telecharger"):
        response["Content-Disposition"] = (
            f'attachment; filename="{request.operator.slug}-semaine.png"'
        )
    return response
