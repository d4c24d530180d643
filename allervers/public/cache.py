"""Cached public responses, keyed by the operator's own stamp and its planning revision.

Every public page, feed and API answer is stored whole — final body bytes and final headers —
under a key that holds:
- `planning_revision(operator)`: a planning change (a cancellation...) gives a new revision, so
  the next request builds a fresh copy at once;
- the operator's stamp (`Operator.updated_at`): a change of its name, phone, widget origins...
  shows at once too (see `forget_operator`);
- today's date (what is "next" changes at midnight), the scheme and host (bodies carry absolute
  addresses) and the request's own parameters.
Nothing is ever purged: old copies become unreachable and simply expire.

A cached answer costs three cache reads and no query: the operator's id and stamp by slug, the
planning revision, the stored answer. The stored answer is replayed as is: no re-rendering, no
hashing, and its Content-Security-Policy header is built once at store time (the CSP middleware
keeps a header a view has set). HTML bodies and their CSP header are stored split around the
nonce, so that each answer gets a fresh CSP nonce and a cached page never reuses one.
"""

import hashlib
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.middleware.csp import get_nonce
from django.utils.csp import CSP, build_policy
from django.utils.http import quote_etag

from allervers.core.revision import planning_revision
from allervers.operators.models import Operator

from .queries import today

PUBLIC_CACHE_SECONDS = 300
OPERATOR_CACHE_SECONDS = 60
NONCE_PLACEHOLDER = "allervers-csp-nonce-placeholder"
_NONCE_BYTES = NONCE_PLACEHOLDER.encode()
_CSP_HEADER = str(CSP.HEADER_ENFORCE)
# Headers a view sets that the stored copy keeps (the others are recomputed or left to the
# middleware, as for any response).
_KEPT_HEADERS = ("Content-Disposition", "Access-Control-Allow-Origin")


_day_memo: tuple[int, str] = (-1, "")


def _today_text() -> str:
    """Today's date in the operator's time zone, recomputed once a minute (a hot path)."""
    global _day_memo
    minute = int(time.time() // 60)
    if _day_memo[0] != minute:
        _day_memo = (minute, today().isoformat())
    return _day_memo[1]


# --- the operator behind a public address --------------------------------------------------------


_ALL_OPERATORS_KEY = "pub:ops"


def _operator_key(slug: str) -> str:
    return f"pub:op:{slug}"


def _stamp(operator_id: int, updated_at) -> str:
    # Microseconds since the epoch, in hex: short (cache backends check every key character).
    return f"{operator_id}.{int(updated_at.timestamp() * 1_000_000):x}"


def public_operator(slug: str) -> tuple[int, str] | None:
    """(id, stamp) of the operator of a public address, or None.

    Cached `OPERATOR_CACHE_SECONDS`, and forgotten as soon as the operator is saved: the stamp
    changes with every save of the operator, so do the keys of its cached answers.
    """
    key = _operator_key(slug)
    found = cache.get(key)
    if found is None:
        row = Operator.objects.filter(slug=slug).values_list("pk", "updated_at").first()
        if row is None:
            return None
        found = (row[0], _stamp(*row))
        cache.set(key, found, OPERATOR_CACHE_SECONDS)
    return found


def operators_stamp() -> str:
    """A stamp that changes when any operator is saved or deleted (for the list of operators)."""
    return cache.get_or_set(_ALL_OPERATORS_KEY, _new_stamp, timeout=None)


def _new_stamp() -> str:
    return uuid.uuid4().hex[:12]


def forget_operator(sender, instance: Operator, **kwargs) -> None:
    """post_save / post_delete of an Operator: its next public answer reads its new stamp.

    Forgotten now (this transaction's own reads see the change) and again after the commit (a
    concurrent request may have cached the old row meanwhile). A slug change leaves the old
    slug's entry to expire (`OPERATOR_CACHE_SECONDS`). Connected in apps.py: the operators app
    does not know its readers.
    """
    keys = [_operator_key(instance.slug), _ALL_OPERATORS_KEY]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


# --- stored answers ------------------------------------------------------------------------------


def cache_key(
    request: HttpRequest, *, kind: str, operator_id: int, stamp: str, parts: tuple = ()
) -> str:
    meta = request.META
    # The raw Host header: CommonMiddleware has already validated it against ALLOWED_HOSTS.
    host = meta.get("HTTP_HOST") or meta.get("SERVER_NAME", "")
    varying = "|".join(
        [
            stamp,
            planning_revision(operator_id),
            request.scheme,
            host,
            _today_text(),
            *(str(part) for part in parts),
        ]
    )
    # Short keys: the cache backends check every character of every key on every call.
    return f"pub:{kind}:{operator_id}:{hashlib.sha256(varying.encode()).hexdigest()[:24]}"


# A stored answer: (body chunks, headers). The body is split around the CSP nonce placeholder
# (one chunk when it has none); so is each header value.
Stored = tuple[tuple[bytes, ...], tuple[tuple[str, tuple[str, ...]], ...]]


def _store(response: HttpResponse, *, html: bool) -> Stored:
    content = response.content
    headers = {"Content-Type": response["Content-Type"]}
    headers.update((name, response[name]) for name in _KEPT_HEADERS if name in response)
    if html:
        # Each HTML answer has its own CSP nonce: shared caches must not replay it.
        headers["Cache-Control"] = "no-cache"
    else:
        headers["ETag"] = quote_etag(hashlib.sha256(content).hexdigest()[:32])
        headers["Cache-Control"] = f"public, max-age={PUBLIC_CACHE_SECONDS}"
    config = getattr(response, "_csp_config", settings.SECURE_CSP)
    if config and _CSP_HEADER not in response:
        # What the CSP middleware would write, built once; the nonce is filled per answer.
        headers[_CSP_HEADER] = build_policy(config, NONCE_PLACEHOLDER if html else None)
    return (
        tuple(content.split(_NONCE_BYTES)) if html else (content,),
        tuple((name, tuple(value.split(NONCE_PLACEHOLDER))) for name, value in headers.items()),
    )


def _replay(request: HttpRequest, stored: Stored) -> HttpResponse:
    chunks, headers = stored
    if len(chunks) == 1 and all(len(value) == 1 for _, value in headers):
        return HttpResponse(chunks[0], headers={name: value for name, (value,) in headers})
    nonce = _nonce(request)
    text = nonce.decode()
    return HttpResponse(
        nonce.join(chunks),
        headers={
            name: text.join(value)
            for name, value in headers
            # Without a nonce (no CSP middleware), no policy naming one.
            if len(value) == 1 or text
        },
    )


def cached_response(
    request: HttpRequest,
    *,
    kind: str,
    operator_id: int,
    stamp: str,
    build: Callable[[], HttpResponse],
    parts: tuple = (),
    html: bool = False,
) -> HttpResponse:
    """The response `build()` makes, from the cache when neither the operator (its `stamp`, from
    `public_operator`) nor its planning has changed.

    Only 200 answers are stored. `html=True` bodies carry the nonce placeholder and no ETag;
    the others answer `If-None-Match` with 304.
    """
    key = cache_key(request, kind=kind, operator_id=operator_id, stamp=stamp, parts=parts)
    stored = cache.get(key)
    if stored is None:
        response = build()
        if response.status_code != 200:
            return with_nonce(request, response) if html else response
        stored = _store(response, html=html)
        cache.set(key, stored, PUBLIC_CACHE_SECONDS)
    if not html:
        etag = request.META.get("HTTP_IF_NONE_MATCH")
        if etag is not None and etag == _etag(stored):
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
    return _replay(request, stored)


def _etag(stored: Stored) -> str | None:
    for name, value in stored[1]:
        if name == "ETag":
            return value[0]
    return None


def with_nonce(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    if hasattr(response, "content") and not response.streaming:
        response.content = response.content.replace(_NONCE_BYTES, _nonce(request))
    return response


def _nonce(request: HttpRequest) -> bytes:
    # LazyNonce is falsy until first read: test for None, not for truth.
    nonce = get_nonce(request)
    return str(nonce).encode() if nonce is not None else b""
