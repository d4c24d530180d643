"""Cached public responses, keyed by the operator's planning revision.

Every public page, feed and API answer is stored whole (status, type, body) under a key that
holds `planning_revision(operator)`: a planning change (a cancellation...) gives a new revision,
so the next request builds a fresh copy at once; the old copies simply expire. The key also holds
today's date (what is "next" changes at midnight), the scheme and host (bodies carry absolute
addresses) and the request's own parameters. Operator settings (name, phone, widget origins) are
not part of the planning revision: they show within `PUBLIC_CACHE_SECONDS` (the operator itself
is cached `OPERATOR_CACHE_SECONDS`).

HTML bodies are stored with a placeholder where the CSP nonce goes; each response gets its own
nonce, so a cached page never reuses one.
"""

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csp import get_nonce
from django.utils.http import quote_etag

from allervers.operators.models import Operator
from allervers.planning.revision import planning_revision

from .schedule import today

PUBLIC_CACHE_SECONDS = 300
OPERATOR_CACHE_SECONDS = 60
NONCE_PLACEHOLDER = "allervers-csp-nonce-placeholder"
_NONCE_BYTES = NONCE_PLACEHOLDER.encode()


@dataclass(frozen=True)
class StoredResponse:
    content: bytes
    content_type: str
    etag: str
    headers: tuple[tuple[str, str], ...]
    csp_config: dict | None  # a view's own Content-Security-Policy (the widget's)


_day_memo: tuple[int, str] = (-1, "")


def _today_text() -> str:
    """Today's date in the operator's time zone, recomputed once a minute (a hot path)."""
    global _day_memo
    minute = int(time.time() // 60)
    if _day_memo[0] != minute:
        _day_memo = (minute, today().isoformat())
    return _day_memo[1]


def operator_id_by_slug(slug: str) -> int | None:
    """The id of the operator of a public address, cached briefly: a cached answer then needs
    no query (an id, not the whole operator: it is read on every request)."""
    key = f"pub:op:{slug}"
    operator_id = cache.get(key)
    if operator_id is None:
        operator_id = Operator.objects.filter(slug=slug).values_list("pk", flat=True).first()
        if operator_id is not None:
            cache.set(key, operator_id, OPERATOR_CACHE_SECONDS)
    return operator_id


def operator_by_slug(slug: str) -> Operator | None:
    return Operator.objects.filter(slug=slug).first()


def cache_key(request: HttpRequest, *, kind: str, operator_id: int, parts: tuple = ()) -> str:
    # The raw Host header: CommonMiddleware has already validated it against ALLOWED_HOSTS.
    host = request.META.get("HTTP_HOST") or request.META.get("SERVER_NAME", "")
    varying = "|".join([request.scheme, host, _today_text(), *(str(part) for part in parts)])
    digest = hashlib.sha256(varying.encode()).hexdigest()[:24]
    # Short keys: the cache backends check every character of every key on every call.
    return f"pub:{kind}:{operator_id}:{planning_revision(operator_id)[:12]}:{digest}"


def _store(response: HttpResponse) -> StoredResponse:
    content = response.content
    return StoredResponse(
        content=content,
        content_type=response["Content-Type"],
        etag=quote_etag(hashlib.sha256(content).hexdigest()[:32]),
        headers=tuple(
            (name, value)
            for name, value in response.headers.items()
            if name in ("Content-Disposition", "Access-Control-Allow-Origin")
        ),
        csp_config=getattr(response, "_csp_config", None),
    )


def cached_response(
    request: HttpRequest,
    *,
    kind: str,
    operator_id: int,
    build: Callable[[], HttpResponse],
    parts: tuple = (),
    html: bool = False,
) -> HttpResponse:
    """The response `build()` makes, from the cache when the planning has not changed.

    Only 200 answers are stored. `html=True` bodies carry the nonce placeholder and no ETag;
    the others answer `If-None-Match` with 304.
    """
    key = cache_key(request, kind=kind, operator_id=operator_id, parts=parts)
    stored = cache.get(key)
    if stored is None:
        response = build()
        if response.status_code != 200:
            return with_nonce(request, response) if html else response
        stored = _store(response)
        cache.set(key, stored, PUBLIC_CACHE_SECONDS)
    if not html and request.headers.get("If-None-Match") == stored.etag:
        response = HttpResponseNotModified()
        response["ETag"] = stored.etag
        return response
    content = stored.content
    if html:
        content = content.replace(_NONCE_BYTES, _nonce(request))
    response = HttpResponse(content, content_type=stored.content_type)
    for name, value in stored.headers:
        response[name] = value
    if stored.csp_config is not None:
        response._csp_config = stored.csp_config
    if html:
        # Each HTML answer has its own CSP nonce: shared caches must not replay it.
        response["Cache-Control"] = "no-cache"
    else:
        response["ETag"] = stored.etag
        response["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    return response


def with_nonce(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if hasattr(response, "content") and not response.streaming:
        response.content = response.content.replace(_NONCE_BYTES, _nonce(request))
    return response


def _nonce(request: HttpRequest) -> bytes:
    # LazyNonce is falsy until first read: test for None, not for truth.
    nonce = get_nonce(request)
    return str(nonce).encode() if nonce is not None else b""
