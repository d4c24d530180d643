"""Cached public responses, keyed by the operator's planning revision.

Every public page, feed and API answer is stored whole (status, type, body) under a key that
holds `planning_revision(operator)`: a planning change (a cancellation...) gives a new revision,
so the next request builds a fresh copy at once; the old copies simply expire. The key also holds
today's date (what is "next" changes at midnight), the scheme and host (bodies carry absolute
addresses) and the request's own parameters. Operator settings (name, phone, widget origins) are
not part of the planning revision: they show within `PUBLIC_CACHE_SECONDS`.

HTML bodies are stored with a placeholder where the CSP nonce goes; each response gets its own
nonce, so a cached page never reuses one.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csp import get_nonce
from django.utils.http import quote_etag

from allervers.planning.revision import planning_revision

from .schedule import today

PUBLIC_CACHE_SECONDS = 300
NONCE_PLACEHOLDER = "allervers-csp-nonce-placeholder"
_NONCE_BYTES = NONCE_PLACEHOLDER.encode()


@dataclass(frozen=True)
class StoredResponse:
    content: bytes
    content_type: str
    etag: str
    headers: tuple[tuple[str, str], ...]


def cache_key(request: HttpRequest, *, kind: str, operator_id: int, parts: tuple = ()) -> str:
    varying = "|".join(
        [request.scheme, request.get_host(), today().isoformat(), *(str(part) for part in parts)]
    )
    digest = hashlib.sha256(varying.encode()).hexdigest()[:32]
    return f"public:{kind}:{operator_id}:{planning_revision(operator_id)}:{digest}"


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
