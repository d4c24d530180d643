"""Visits recorded on the bus's tablet without network, sent when the network returns.

The tablet keeps each visit in the browser (IndexedDB, `static/js/offline.js`) with an
identifier it made (a UUID): the visit form's fields as they were typed, nothing more. When the
network returns it sends them here, as JSON:

    {"items": [{"id": "<uuid>", "kind": "visit", "fields": {"stop": "12", "topics": ["3"]...}},
               {"id": "<uuid>", "kind": "finish", "visit": 42, "left_at": "<ISO 8601>"}]}

and gets one answer per item, in order: `saved`, `already` (the server holds it: a retried
sending never creates it twice, the identifier is unique per operator) or `refused` with the
French reason (the tablet keeps it visible for the agent to correct). A visit is checked by the
same form as online (`forms.VisitForm`) and written by the same service.

With the network, the tablet's script sends the visit form itself (with fetch), carrying an
identifier it made in the form's `client_id`: when that sending fails (the network is there but
the server cannot be reached, or its answer is lost), the visit is queued under the same
identifier, so that the synchronisation finds it if the server had saved it
(`services.visits.visit_record_once`, which both call: it writes the visit and its access-log
entry).

A GET answers the CSRF token to send with the POST: the page the tablet shows may come from its
cache, its token from an older session. A session that expired answers 401 and a withdrawn
access 403, both in JSON with a French message: the tablet keeps its queue and invites the agent
to log in again.
"""

import datetime
import hashlib
import json
import uuid
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse, QueryDict
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from allervers.accounts.second_factor import second_factor_missing, second_factor_step
from allervers.core.fields import id_from
from allervers.core.roles import STAFF_ROLES
from allervers.core.tenancy import operator_view

from .forms import VisitForm
from .models import Topic, Visit
from .services.visits import visit_finish, visit_record_once

MAX_ITEMS = 200
MAX_FIELD_VALUES = 50
MAX_VALUE_CHARS = 1_000
SAVED, ALREADY, REFUSED = "saved", "already", "refused"

SESSION_EXPIRED = (
    "Votre session a expiré : reconnectez-vous, les visites en attente seront envoyées ensuite. "
    "Elles restent gardées sur la tablette."
)
UNREADABLE = "Envoi illisible : rien n'a été enregistré. Rechargez la page, puis renvoyez."
TOO_MANY = f"Trop de visites dans un seul envoi ({MAX_ITEMS} au plus) : rien n'a été enregistré."
ITEM_UNREADABLE = "Visite illisible sur la tablette : saisissez-la à nouveau."
ALREADY_RECORDED = "Cette visite était déjà enregistrée."
ALREADY_FINISHED = "Cette visite était déjà terminée."
UNKNOWN_VISIT = "Visite inconnue dans votre structure : elle n'a pas été terminée."
# The static files the offline pages need, cached by the service worker.
OFFLINE_STATIC = (
    "css/allervers.css",
    "js/offline-store.js",
    "js/offline.js",
    "js/logout.js",
    "js/carried-messages.js",
)


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def json_operator_view(*roles):
    """`operator_view` for a JSON endpoint of the tablet: a POST without a session answers 401
    and a refused access 403, both as JSON with the French reason (never the login page)."""

    def decorator(view):
        guarded = operator_view(*roles)(view)

        @wraps(guarded)
        def wrapper(request, *args, **kwargs):
            # Without a session, or before the second factor of this session: log in again.
            if not request.user.is_authenticated or second_factor_missing(request.user):
                if request.method == "GET":
                    step = ""
                    if request.user.is_authenticated:
                        step = reverse(second_factor_step(request.user))
                    return redirect_to_login(request.get_full_path(), login_url=step or None)
                return _json({"error": SESSION_EXPIRED, "login": True}, status=401)
            try:
                return guarded(request, *args, **kwargs)
            except PermissionDenied as denied:
                return _json(
                    {
                        "error": f"Accès refusé : {str(denied) or 'accès retiré.'} "
                        "Les visites restent gardées sur la tablette."
                    },
                    status=403,
                )

        return login_not_required(wrapper)

    return decorator


@json_operator_view(*STAFF_ROLES)
def visit_sync(request):
    if request.method == "GET":
        return _json({"csrf_token": get_token(request)})
    if request.method != "POST":
        return _json({"error": UNREADABLE}, status=405)
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _json({"error": UNREADABLE}, status=400)
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return _json({"error": UNREADABLE}, status=400)
    if len(items) > MAX_ITEMS:
        return _json({"error": TOO_MANY}, status=400)
    now = timezone.now()
    results = [_sync_item(request, item, now) for item in items]
    return _json({"results": results})


def _answer(item_id, status: str, message: str = "", code: str = "") -> dict:
    return {"id": item_id, "status": status, "message": message, "code": code}


def _sync_item(request, item, now: datetime.datetime) -> dict:
    raw_id = item.get("id") if isinstance(item, dict) else None
    client_id = _uuid(raw_id)
    if client_id is None:
        return _answer(raw_id if isinstance(raw_id, str) else None, REFUSED, ITEM_UNREADABLE)
    item_id = str(client_id)
    kind = item.get("kind")
    if kind == "visit" and isinstance(item.get("fields"), dict):
        return _sync_visit(request, item_id, client_id, item["fields"], now)
    if kind == "finish":
        return _sync_finish(request, item_id, item, now)
    return _answer(item_id, REFUSED, ITEM_UNREADABLE)


def _uuid(raw) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _form_data(fields: dict) -> QueryDict | None:
    """The visit form's fields as a POST would carry them; None when they are not text."""
    data = QueryDict(mutable=True)
    for name, value in fields.items():
        values = value if isinstance(value, list) else [value]
        if len(values) > MAX_FIELD_VALUES or not all(
            isinstance(v, str) and len(v) <= MAX_VALUE_CHARS for v in values
        ):
            return None
        data.setlist(str(name)[:100], values)
    return data


def _archived_topics(request, data: QueryDict) -> list[Topic]:
    ids = [id_from(value) for value in data.getlist("topics") if id_from(value)]
    return list(Topic.objects.for_operator(request.operator).filter(pk__in=ids, is_archived=True))


def _form_refusal(form: VisitForm) -> tuple[str, str]:
    messages = list(form.non_field_errors())
    for field in form:
        messages += [f"{field.label} : {error}" for error in field.errors]
    code = "outside_hours" if form.asks_hours_confirmation else "invalid"
    return " ".join(messages), code


def _sync_visit(request, item_id: str, client_id: uuid.UUID, fields: dict, now) -> dict:
    operator = request.operator
    if Visit.objects.for_operator(operator).filter(client_id=client_id).exists():
        return _answer(item_id, ALREADY, ALREADY_RECORDED)
    data = _form_data(fields)
    if data is None:
        return _answer(item_id, REFUSED, ITEM_UNREADABLE)
    archived = _archived_topics(request, data)
    if archived:
        names = ", ".join(f"« {topic.name} »" for topic in archived)
        return _answer(
            item_id,
            REFUSED,
            f"Thématique archivée entre-temps : {names}. Corrigez la visite (choisissez une "
            "autre thématique), puis renvoyez-la.",
            "archived_topic",
        )
    form = VisitForm(data, operator=operator, now=now)
    if not form.is_valid():
        return _answer(item_id, REFUSED, *_form_refusal(form))
    try:
        _visit, created = visit_record_once(
            operator=operator,
            user=request.user,
            request=request,
            client_id=client_id,
            now=now,
            detail="envoyée par la tablette",
            **form.service_arguments(),
        )
    except ValidationError as error:
        return _answer(item_id, REFUSED, " ".join(error.messages), error.code or "invalid")
    if not created:
        return _answer(item_id, ALREADY, ALREADY_RECORDED)
    return _answer(item_id, SAVED, "Visite enregistrée.")


def _sync_finish(request, item_id: str, item: dict, now) -> dict:
    raw_visit, raw_left = item.get("visit"), item.get("left_at")
    left_at = parse_datetime(raw_left) if isinstance(raw_left, str) else None
    if left_at is None or timezone.is_naive(left_at) or id_from(raw_visit) is None:
        return _answer(item_id, REFUSED, ITEM_UNREADABLE)
    visit = Visit.objects.for_operator(request.operator).filter(pk=id_from(raw_visit)).first()
    if visit is None:
        return _answer(item_id, REFUSED, UNKNOWN_VISIT)
    if visit.left_at is not None:
        return _answer(item_id, ALREADY, ALREADY_FINISHED)
    try:
        visit_finish(visit=visit, user=request.user, now=now, left_at=left_at, request=request)
    except ValidationError as error:
        if error.code == "already_finished":
            return _answer(item_id, ALREADY, ALREADY_FINISHED)
        return _answer(item_id, REFUSED, " ".join(error.messages), error.code or "invalid")
    return _answer(item_id, SAVED, "Départ enregistré.")


@operator_view(*STAFF_ROLES)
def service_worker(request):
    """The tablet's service worker, at the reception's root so that it serves its pages."""
    static_urls = [static(name) for name in OFFLINE_STATIC]
    # A new version of a static file (a new hashed name in production) makes a new cache.
    version = hashlib.sha256("\n".join(static_urls).encode()).hexdigest()[:12]
    return render(
        request,
        "reception/service_worker.js",
        {"static_urls": static_urls, "version": version},
        content_type="text/javascript; charset=utf-8",
    )
