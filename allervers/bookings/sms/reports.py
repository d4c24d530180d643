"""The SMS providers' delivery reports: `POST /api/sms/etats/<provider>/<secret>/`
(docs/deployment.md; under `api/`, a first segment no operator's slug may take).

The provider posts what became of each SMS (sent, delivered, failed); each report goes to
`core.sms_delivery.delivery_record`, which finds whose message it is (a booking's, an alert's).
Brevo's webhooks carry no signature: the URL holds a secret, `ALLERVERS_SMS_WEBHOOK_SECRET`,
compared in constant time. Answers:

- 403 when the secret is wrong or none is set (a forged report), 404 for a provider we do not
  read, 405 for anything but POST;
- 400 when the body is not a report we can read (not JSON, a field missing or of the wrong kind);
- 404 when a report names a message nobody here sent (unknown id): nothing of the body recorded;
- 200 otherwise: a report seen before changes nothing (kept once), a status older than the
  message's changes only its history, an event that is not a delivery status (a reply) is left.

Formats, one report or a list of them:

- `generic` (the local fake provider, `fake.py`, and any provider through an adapter):
  `{"id": "<provider message id>", "status": "sent" | "delivered" | "failed",
  "at": "<ISO 8601 moment with its offset>"}`;
- `brevo` (transactional SMS webhook): `{"messageId": 1511882900176220, "msg_status":
  "delivered", "ts_event": 1604933737, ...}`; `msg_status` (or `event`) sent/accepted → sent,
  delivered → delivered, soft or hard bounce, rejected, blocked, blacklisted, error, skip →
  failed; the moment is `ts_event` (seconds, UTC), else `ts_epoch` (milliseconds)."""

import datetime
import json

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from allervers.core.sms_delivery import DeliveryStatus, delivery_record

# A body with more reports is refused (a provider posts one, or a few).
MAX_REPORTS = 10_000
ID_LENGTH = 100


class Unreadable(ValueError):
    """The body is not a report we read."""


def _reports(body) -> list:
    reports = body if isinstance(body, list) else [body]
    if not reports or len(reports) > MAX_REPORTS:
        raise Unreadable("nombre de rapports")
    if not all(isinstance(report, dict) for report in reports):
        raise Unreadable("rapport")
    return reports


def _message_id(value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Unreadable("identifiant")
    text = str(value).strip()
    if not text or len(text) > ID_LENGTH:
        raise Unreadable("identifiant")
    return text


def _from_epoch(seconds) -> datetime.datetime:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise Unreadable("moment")
    try:
        return datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError):
        raise Unreadable("moment") from None


def generic_reports(body) -> list[tuple[str, str | None, datetime.datetime]]:
    read = []
    for report in _reports(body):
        status = report.get("status")
        if status not in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
            raise Unreadable("état")
        try:
            at = datetime.datetime.fromisoformat(report.get("at"))
        except (TypeError, ValueError):
            raise Unreadable("moment") from None
        if at.tzinfo is None:
            raise Unreadable("moment sans fuseau")
        read.append((_message_id(report.get("id")), status, at))
    return read


BREVO_STATUS = {
    "sent": DeliveryStatus.SENT,
    "accepted": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "softbounce": DeliveryStatus.FAILED,
    "softbounced": DeliveryStatus.FAILED,
    "hardbounce": DeliveryStatus.FAILED,
    "hardbounced": DeliveryStatus.FAILED,
    "rejected": DeliveryStatus.FAILED,
    "blocked": DeliveryStatus.FAILED,
    "blacklisted": DeliveryStatus.FAILED,
    "error": DeliveryStatus.FAILED,
    "skip": DeliveryStatus.FAILED,
    "skipped": DeliveryStatus.FAILED,
}


def brevo_reports(body) -> list[tuple[str, str | None, datetime.datetime]]:
    read = []
    for report in _reports(body):
        event = report.get("msg_status", report.get("event"))
        if not isinstance(event, str):
            raise Unreadable("état")
        status = BREVO_STATUS.get(event.replace("_", "").replace(" ", "").lower())
        if "ts_event" in report:
            at = _from_epoch(report["ts_event"])
        elif "ts_epoch" in report:
            milliseconds = report["ts_epoch"]
            if isinstance(milliseconds, bool) or not isinstance(milliseconds, (int, float)):
                raise Unreadable("moment")
            at = _from_epoch(milliseconds / 1000)
        else:
            raise Unreadable("moment")
        # None: an event that is not a delivery status (a reply, an unsubscription).
        read.append((_message_id(report.get("messageId")), status, at))
    return read


PROVIDERS = {"generic": generic_reports, "brevo": brevo_reports}


def _answer(status: int, text: str) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="text/plain; charset=utf-8")


@login_not_required
@csrf_exempt
@require_POST
def delivery_reports(request, provider: str, secret: str) -> HttpResponse:
    expected = settings.ALLERVERS_SMS_WEBHOOK_SECRET
    if not expected or not constant_time_compare(secret, expected):
        return _answer(403, "Accès refusé.")
    reader = PROVIDERS.get(provider)
    if reader is None:
        return _answer(404, "Fournisseur inconnu.")
    try:
        reports = reader(json.loads(request.body))
    except (ValueError, RecursionError):  # Unreadable, or not JSON
        return _answer(400, "Rapport d'envoi illisible : rien n'a été enregistré.")
    with transaction.atomic():
        for message_id, status, at in reports:
            if status is not None and not delivery_record(message_id, status, at):
                transaction.set_rollback(True)
                return _answer(404, "Message inconnu : rien n'a été enregistré.")
    return _answer(200, "Rapport enregistré.")
