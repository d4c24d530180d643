"""The public view decorators: a public view reads like any other view.

A public page, feed or file is a function of the request, the operator of the address and the
URL's other arguments. Its decorator does the rest:

    @public_page
    def site_page(request, operator, site_slug):
        site = site_by_slug(operator, site_slug)  # reads come from queries.py
        if site is None:
            raise Http404("Ce lieu n'existe pas, ou il n'existe plus.")
        return Page("public/site.html", {"operator": operator, "site": site})

- the operator is found from the address's `operator_slug` (an unknown one: the residents'
  French 404); a view raising `Http404("<French sentence>")` answers that 404 too, with a link
  back to the operator's page;
- the answer comes from the cache when neither the operator nor its planning has changed (see
  cache.py: the key holds the planning revision, the operator's stamp, today's date, the scheme
  and host and the URL's arguments), and is stored when it was built;
- `public_page`: the `Page` is rendered without the request (no context processor runs, so no
  session is read and nothing personal can reach a cached copy), with a fresh CSP nonce in
  every answer, cached or not;
- `public_data` (feeds, open data): the response the view returns gets an ETag, answers
  `If-None-Match` with 304, and may be read from any origin (CORS; a preflight `OPTIONS` is
  answered 204).

Every public view is anonymous (`login_not_required`) and read-only (`require_safe`). The JSON
API is cached in front of django-ninja by `api_front_cache`, with the same keys.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from allervers.operators.models import Operator

from .cache import (
    NONCE_PLACEHOLDER,
    cached_response,
    operators_stamp,
    public_operator,
    with_nonce,
)

GONE = "Nous ne connaissons pas cette adresse."
NO_SUCH_PAGE = "Cette page n'existe pas."
# The site-wide pages (no operator in the address) are cached under this id and the stamp of
# the list of operators.
NO_OPERATOR_ID = 0


@dataclass(frozen=True)
class Page:
    """A public HTML answer: a template and its context, rendered without the request.

    `csp` overrides directives of the site's policy for this page (the widget's
    `frame-ancestors`); it is kept with the cached copy.
    """

    template: str
    context: dict
    csp: dict = field(default_factory=dict)


def anonymous_get(view: Callable) -> Callable:
    """Open without login, read-only: the guard of every public view."""
    return login_not_required(require_safe(view))


def not_found_page(
    request: HttpRequest, message: str, operator: Operator | None = None
) -> HttpResponse:
    """The residents' 404: French, in the public layout, with a way back."""
    return with_nonce(
        request, _rendered(Page("public/404.html", {"message": message, "operator": operator}), 404)
    )


def _rendered(page: Page, status: int = 200) -> HttpResponse:
    context = {**page.context, "csp_nonce": NONCE_PLACEHOLDER}
    response = HttpResponse(render_to_string(page.template, context), status=status)
    if page.csp:
        response._csp_config = {**settings.SECURE_CSP, **page.csp}
    return response


def _public(view: Callable, *, html: bool) -> Callable:
    kind = view.__name__

    @wraps(view)
    def wrapper(request: HttpRequest, operator_slug: str | None = None, **kwargs) -> HttpResponse:
        if operator_slug is None:
            found = (NO_OPERATOR_ID, operators_stamp())
        else:
            found = public_operator(operator_slug)
            if found is None:
                return not_found_page(request, GONE)
        operator_id, stamp = found

        def build() -> HttpResponse:
            operator = None
            if operator_id != NO_OPERATOR_ID:
                operator = Operator.objects.filter(pk=operator_id).first()
                if operator is None:  # deleted since its id was cached
                    return not_found_page(request, GONE)
            try:
                answer = view(request, operator, **kwargs)
            except Http404 as error:
                return not_found_page(request, str(error) or NO_SUCH_PAGE, operator)
            if html:
                return _rendered(answer) if isinstance(answer, Page) else answer
            return with_cors(answer)

        return cached_response(
            request,
            kind=kind,
            operator_id=operator_id,
            stamp=stamp,
            build=build,
            parts=tuple(kwargs.values()),
            html=html,
        )

    if html:
        return anonymous_get(wrapper)
    # Feeds and files are read from other sites too: a browser's preflight is answered.
    return login_not_required(answers_preflight(require_safe(wrapper)))


def public_page(view: Callable) -> Callable:
    """A public HTML page: `view(request, operator, **url_arguments)` returns a `Page` (or a
    response). `operator` is None on a site-wide address (no `operator_slug`)."""
    return _public(view, html=True)


def public_data(view: Callable) -> Callable:
    """A public feed or file: `view(request, operator, **url_arguments)` returns its response."""
    return _public(view, html=False)


def with_cors(response: HttpResponse) -> HttpResponse:
    """Open data: readable by a page of any other site (no credentials: none is ever needed)."""
    response["Access-Control-Allow-Origin"] = "*"
    return response


READ_METHODS = ("GET", "HEAD")
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
# What a browser may send to read a public file or API answer from another site: revalidation
# and content negotiation. No credentials are allowed (and none is ever needed).
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": ALLOWED_METHODS,
    "Access-Control-Allow-Headers": (
        "Accept, Accept-Language, Content-Language, Content-Type, Cache-Control, "
        "If-None-Match, If-Modified-Since"
    ),
    "Access-Control-Max-Age": "86400",
    "Allow": ALLOWED_METHODS,
}


def preflight_response() -> HttpResponse:
    """The answer to a CORS preflight (OPTIONS): 204, what may be asked."""
    return HttpResponse(status=204, headers=PREFLIGHT_HEADERS)


def answers_preflight(view: Callable) -> Callable:
    """OPTIONS gets the CORS preflight answer; every other method goes to `view`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            return preflight_response()
        return view(request, *args, **kwargs)

    return wrapper


# --- the JSON API --------------------------------------------------------------------------------

# An operator's slug in an API address (also the pattern of the API's slug parameters).
SLUG = r"^[-a-zA-Z0-9_]{1,80}$"
_SLUG = re.compile(SLUG)


def api_front_cache(view: Callable) -> Callable:
    """Answer an API call from the cache before ninja parses anything: a cached answer needs no
    query.

    The key holds the operator's stamp and planning revision (see cache.py), the path and the
    raw query string. Only GET/HEAD 200 answers are stored; errors (ninja's, in JSON, an unknown
    operator's included) are computed each time.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        slug = kwargs.get("slug")
        if slug is None:  # the list of operators: no planning of its own
            found = (NO_OPERATOR_ID, operators_stamp())
        else:
            found = public_operator(slug) if _SLUG.match(slug) else None
            if found is None:
                return with_cors(view(request, *args, **kwargs))
        operator_id, stamp = found
        # Stored answers keep their CORS header; only a 304 needs it added.
        response = cached_response(
            request,
            kind="api",
            operator_id=operator_id,
            stamp=stamp,
            parts=(request.path, request.META.get("QUERY_STRING", "")),
            build=lambda: with_cors(view(request, *args, **kwargs)),
        )
        return response if response.status_code == 200 else with_cors(response)

    return wrapper
