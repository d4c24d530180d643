"""Idempotent submissions: a create form carries a one-time token, and a second submission of
the same token answers the first one's result instead of creating again (a double click, a
double tap, a re-sent POST).

    @operator_view(*STAFF_ROLES)
    @once_per_token
    def visit_create(request): ...

and in the form, `{% load submissions %}` then `{% submission_token %}` (a hidden input holding
a fresh UUID). The token is claimed in the database, before the view runs, by inserting a row
under a unique constraint: shared by every worker process, and only one request wins. The
winner runs the view; if it answers a redirect (success) the row keeps its address, which any
later submission of the token is sent to (303); anything else (form errors) or an exception gives
the token back, so the corrected form can be sent again with it. A submission arriving while the
first is still running waits for its result a few seconds, then says the sending is in progress
(409): the action never runs twice.

A POST without the field is not protected (API clients, older tests); a field that is not a
UUID is refused (400, French page), nothing run. A token is the user's own: the same value sent
by another user is that user's token. Anonymous residents (the public booking forms) share one
space of tokens: a token is a random UUID that only the page holding the form knew. Tokens are
kept one day; each claim removes a bounded batch of expired ones.
"""

import contextlib
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from .models import SubmissionToken

FIELD = "submission_token"
# Set on a view by `once_per_token` (and copied to the views wrapping it by `functools.wraps`):
# the template tag renders a token only on the pages of such views.
PROTECTED_ATTRIBUTE = "submission_token_protected"
KEEP = timedelta(days=1)
EXPIRED_BATCH = 100
# A submission racing the first one waits for its result at most WAIT_POLLS × POLL_SECONDS.
WAIT_POLLS = 50
POLL_SECONDS = 0.1
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ALREADY_SENT = "Ce formulaire avait déjà été envoyé : voici le résultat du premier envoi."
IN_PROGRESS_TITLE = "Envoi déjà en cours"
IN_PROGRESS = (
    "Votre envoi est déjà en cours de traitement. Patientez quelques secondes, puis rechargez "
    "cette page pour voir son résultat. Rien n'a été enregistré une seconde fois."
)
MALFORMED_TITLE = "Formulaire non valable"
MALFORMED = (
    "Ce formulaire n'est pas valable (son jeton d'envoi est illisible) : rien n'a été "
    "enregistré. Rouvrez la page du formulaire et envoyez-le à nouveau."
)


def new_token() -> str:
    return str(uuid.uuid4())


def parse_token(raw: str) -> uuid.UUID | None:
    """The token sent, or None when it is not a UUID."""
    try:
        return uuid.UUID(raw)
    except (ValueError, TypeError, AttributeError):
        return None


def is_protected(view: Callable | None) -> bool:
    return bool(getattr(view, PROTECTED_ATTRIBUTE, False))


def once_per_token(view: Callable) -> Callable:
    """Run `view` at most once per submission token (see the module's docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method != "POST" or FIELD not in request.POST:
            return view(request, *args, **kwargs)
        token = parse_token(request.POST[FIELD])
        if token is None:
            return _refusal(request, MALFORMED_TITLE, MALFORMED, status=400)
        user = request.user if request.user.is_authenticated else None
        for attempt in range(WAIT_POLLS + 1):
            try:
                claimed = _claim(user, token)
                result_url = None if claimed else _result_url(user, token)
            except OperationalError as error:
                # SQLite refuses rather than waits while another connection writes the table
                # (shared-cache databases do, whatever the busy timeout): still in progress.
                if "locked" not in str(error):
                    raise
                claimed, result_url = None, ""
            if claimed is not None:
                return _run(claimed, view, request, *args, **kwargs)
            if result_url:
                messages.info(request, ALREADY_SENT)
                return HttpResponseRedirect(result_url, status=303)
            # In progress (""): wait for it. Given back meanwhile (None): claim it at once.
            if result_url == "" and attempt < WAIT_POLLS:
                _pause(POLL_SECONDS)
        return _refusal(request, IN_PROGRESS_TITLE, IN_PROGRESS, status=409)

    setattr(wrapper, PROTECTED_ATTRIBUTE, True)
    return wrapper


def _run(claimed: SubmissionToken, view: Callable, request, *args, **kwargs) -> HttpResponse:
    """Run the view for the token's winner; keep its redirect, else give the token back."""
    try:
        response = view(request, *args, **kwargs)
    except BaseException:
        _give_back(claimed)
        raise
    if response.status_code in REDIRECT_STATUSES and response.has_header("Location"):
        _keep_result(claimed, response["Location"])
    else:
        _give_back(claimed)
    return response


def _keep_result(claimed: SubmissionToken, url: str) -> None:
    """Store the result's address for later submissions. The view's work is committed by now:
    a busy database (SQLite under heavy writing) must not turn its success into an error page,
    so the write is retried a moment, then left: the token stays « in progress » until it
    expires, and a re-sent form is told so (409) — it never runs twice."""
    for attempt in range(WAIT_POLLS):
        try:
            SubmissionToken.objects.filter(pk=claimed.pk).update(result_url=url)
            return
        except OperationalError:
            if attempt < WAIT_POLLS - 1:
                _pause(POLL_SECONDS)


def _claim(user, token: uuid.UUID) -> SubmissionToken | None:
    """The token's row, inserted now; None when it exists already (another submission has it)."""
    now = timezone.now()
    try:
        with transaction.atomic():
            claimed = SubmissionToken.objects.create(user=user, token=token, created_at=now)
    except IntegrityError:
        return None
    # Opportunistic: a busy table must not cost the claim already made.
    with contextlib.suppress(OperationalError):
        _remove_expired(now)
    return claimed


def _result_url(user, token: uuid.UUID) -> str | None:
    """The first result's address; "" while it is in progress; None when the token is free."""
    return (
        SubmissionToken.objects.filter(user=user, token=token)
        .values_list("result_url", flat=True)
        .first()
    )


def _give_back(claimed: SubmissionToken) -> None:
    # Never hide the view's own error behind this one: at worst the token stays "in progress"
    # until it expires, and the form page gives a fresh one.
    with contextlib.suppress(DatabaseError):
        SubmissionToken.objects.filter(pk=claimed.pk).delete()


def _remove_expired(now) -> None:
    """Remove at most EXPIRED_BATCH tokens older than KEEP: bounded work on each claim."""
    expired = list(
        SubmissionToken.objects.filter(created_at__lt=now - KEEP).values_list("pk", flat=True)[
            :EXPIRED_BATCH
        ]
    )
    if expired:
        SubmissionToken.objects.filter(pk__in=expired).delete()


def _pause(seconds: float) -> None:
    time.sleep(seconds)


def _refusal(request: HttpRequest, title: str, message: str, *, status: int) -> HttpResponse:
    context = {"title": title, "message": message}
    # An anonymous resident (a public form) is answered in the public site's layout.
    template = "refused.html" if request.user.is_authenticated else "refused_public.html"
    return render(request, f"submissions/{template}", context, status=status)
