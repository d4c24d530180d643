"""« Vos droits estimés » opened from the link the person received by e-mail or SMS (issue 26.3):
no account, the token of the address is the key (`screening.sharing`). The same text as the
printable page (`screening.take_home`), the person's name only when she asked for it, and its
one-page PDF. Not cached and never stored (`Cache-Control: private, no-store`), never indexed;
an unknown, expired or revoked link answers a French 404 that says to ask the bus's team."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from allervers.core.pdf import pdf_from_template
from allervers.screening.models import EstimatedRightsLink
from allervers.screening.sharing import link_by_token
from allervers.screening.take_home import estimated_rights_content

GONE_TITLE = "Lien expiré"
GONE = (
    "Ce lien a expiré ou a été retiré. Pour revoir vos droits estimés, demandez à l'équipe du "
    "bus : elle peut vous envoyer un nouveau lien."
)


def _private(response: HttpResponse) -> HttpResponse:
    """Never stored by a browser or a proxy, never indexed: the page is about one person."""
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _content(request: HttpRequest, token: str) -> dict | None:
    try:
        link = link_by_token(token)
    except EstimatedRightsLink.DoesNotExist:
        return None
    context = estimated_rights_content(
        screening=link.screening,
        operator=link.operator,
        named=link.named,
        today=timezone.localdate(link.created_at),
    )
    if context["refusal"]:  # the answers were emptied since: the link no longer opens
        return None
    return {**context, "operator": link.operator, "token": token, "link": link}


def _gone(request: HttpRequest) -> HttpResponse:
    return _private(
        render(
            request,
            "public/estimated_rights_gone.html",
            {"operator": None, "title": GONE_TITLE, "message": GONE},
            status=404,
        )
    )


@login_not_required
@require_safe
def estimated_rights(request: HttpRequest, link_token: str) -> HttpResponse:
    """The page of a sent link."""
    context = _content(request, link_token)
    if context is None:
        return _gone(request)
    return _private(render(request, "public/estimated_rights.html", context))


@login_not_required
@require_safe
def estimated_rights_pdf(request: HttpRequest, link_token: str) -> HttpResponse:
    """The one-page PDF of a sent link."""
    context = _content(request, link_token)
    if context is None:
        return _gone(request)
    pdf = pdf_from_template("screening/estimated_rights_pdf.html", context)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="vos-droits-estimes.pdf"'
    return _private(response)
