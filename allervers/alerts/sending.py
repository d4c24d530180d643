"""Sending the alerts, each at most once, within the provider's rate limit.

`alert_messages_send` (what the task `send_alerts` runs) takes the due alerts (pending, their
moment come, not past; structures outside their quiet hours) a second's worth at a time
(`ALLERVERS_SMS_RATE_PER_SECOND`), claims each one (pending → sending, one UPDATE: two workers
never both get it), sends it and records the outcome; before each send it waits until the send
`rate` places back is a second old, so that no sliding second (what a provider counts) holds
more than the rate. A worker killed mid-way leaves at most the one message it was sending in
`sending` (marked failed by the worker's recovery, `interrupted_alerts_fail`: never sent twice);
the next run sends the rest, once.

Retry policy: a provider's failure puts the alert back in the queue after 2, 4, 8... minutes, at
most `MAX_ATTEMPTS` tries and never past its moment (`not_after`: a day-before alert never leaves
after the stop began); then it is failed, with the reason. An alert whose moment passed while it
waited (a provider outage) is marked expired, never sent.

Each alert is checked again just before it leaves: the stop still as the alert says (a
cancelled stop's day-before alert, a restored stop's cancellation: skipped; a restoration only
after its cancellation reached the subscriber), the site not paused, the subscription still
there."""

import collections
import datetime
import time

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models import F
from django.utils import timezone

from allervers.accounts.counters import counter_delete, counter_increment
from allervers.bookings import sms
from allervers.bookings.texts import bus_words
from allervers.bookings.times import operator_zone
from allervers.operators.models import Operator
from allervers.planning.enums import StopStatus

from .enums import AlertKind, AlertStatus, EndReason
from .links import alert_short_url, alerts_page_url
from .models import AlertMessage, AlertSitePause, Subscription
from .queueing import is_quiet
from .services import subscription_end
from .texts import alert_text

MAX_ATTEMPTS = 3
SENDER_LEASE_KEY = "allervers:alerts:sender"
SENDER_LEASE_SECONDS = 300
ERROR_LENGTH = 500
# A send waits until the one `rate` places back is a second old and this much more.
RATE_MARGIN_SECONDS = 0.002
# Delivery reports (`alert_delivery_record`): the provider's words for a message received or lost.
DELIVERED = {"delivered", "received"}
LOST = {"failed", "undelivered", "rejected", "hard_bounce", "soft_bounce", "blocked", "error"}


def _awake_operator_ids(now: datetime.datetime) -> list[int]:
    return [op.pk for op in Operator.objects.only("pk", "time_zone") if not is_quiet(op, now)]


def alerts_expire(now: datetime.datetime) -> int:
    """Pending alerts whose moment has passed: never sent; those whose subscription went:
    skipped. How many expired."""
    pending = AlertMessage.objects.filter(status=AlertStatus.PENDING)
    pending.filter(subscription__isnull=True).update(
        status=AlertStatus.SKIPPED, error="Désinscrit entre-temps."
    )
    return pending.filter(not_after__lte=now).update(
        status=AlertStatus.EXPIRED, error="Moment passé avant l'envoi."
    )


def _claim(pk: int, now: datetime.datetime) -> bool:
    return bool(
        AlertMessage.objects.filter(
            pk=pk, status=AlertStatus.PENDING, subscription__isnull=False
        ).update(status=AlertStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def _refusal(message: AlertMessage, paused: set[int]) -> str:
    subscription = message.subscription
    if subscription is None:
        return "Désinscrit entre-temps."
    if message.kind != AlertKind.FAREWELL and subscription.ending_at is not None:
        return "Abonnement terminé."
    if message.kind == AlertKind.FAREWELL:
        return ""
    if message.site_id in paused:
        return "Alertes du lieu en pause."
    stop = message.stop
    if message.kind == AlertKind.CANCELLED:
        return "" if stop.status == StopStatus.CANCELLED else "Passage rétabli entre-temps."
    if stop.status != StopStatus.HELD:
        return "Passage annulé entre-temps."
    moved = stop.moved_at.isoformat(timespec="seconds") if stop.moved_at else ""
    if message.kind == AlertKind.RESTORED and not _cancellation_told(message):
        return "Annulation jamais reçue : rien à rétablir."
    if message.kind == AlertKind.MOVED:
        # Told at the site it left too: that message names the new place.
        if moved and moved != message.discriminator:
            return "Passage changé de nouveau : un autre message le dit."
        return ""
    if stop.site_id != message.site_id:
        return "Passage déplacé vers un autre lieu."
    return ""


def _cancellation_told(message: AlertMessage) -> bool:
    """The stop's cancellation reached this alert's subscriber (sent, or delivered)."""
    return AlertMessage.objects.filter(
        subscription_id=message.subscription_id,
        stop_id=message.stop_id,
        kind=AlertKind.CANCELLED,
        status__in=(AlertStatus.SENT, AlertStatus.DELIVERED),
    ).exists()


def message_text(message: AlertMessage, now: datetime.datetime) -> str:
    subscription, operator = message.subscription, message.operator
    if message.kind == AlertKind.FAREWELL:
        return alert_text(
            AlertKind.FAREWELL, operator_name=operator.name, link=alerts_page_url(operator)
        )
    stop = message.stop
    return alert_text(
        message.kind,
        operator_name=operator.name,
        site_name=stop.site.name,
        date=stop.date,
        start=stop.start_time,
        end=stop.end_time,
        today=timezone.localdate(now, operator_zone(operator)),
        link=alert_short_url(subscription),
    )


def _deliver(backend, message: AlertMessage, text: str) -> str:
    """Send; the provider's message id when it gives one."""
    subscription = message.subscription
    if subscription.phone:
        answer = backend.send(subscription.phone, text)
        return answer if isinstance(answer, str) else ""
    email = EmailMessage(
        subject=f"Le {bus_words(message.operator.name)}", body=text, to=[subscription.email]
    )
    mailers.default.send_messages([email])
    return ""


def _send_one(backend, message: AlertMessage, paused: set[int], now) -> str:
    """Send one claimed alert and record the outcome; its new status."""
    refused = _refusal(message, paused)
    if refused:
        AlertMessage.objects.filter(pk=message.pk).update(status=AlertStatus.SKIPPED, error=refused)
        return AlertStatus.SKIPPED
    try:
        provider_id = _deliver(backend, message, message_text(message, now))
    except Exception as error:  # any failure of the provider or the mail server
        reason = (str(error) or type(error).__name__)[:ERROR_LENGTH]
        # The tries so far, this one included (read before its claim counted it): the next
        # one 2, 4, 8... minutes later.
        tries = message.attempts + 1
        retry_at = now + datetime.timedelta(minutes=2**tries)
        if tries < MAX_ATTEMPTS and retry_at < message.not_after:
            outcome = {"status": AlertStatus.PENDING, "error": reason, "not_before": retry_at}
        else:
            outcome = {"status": AlertStatus.FAILED, "error": reason}
        AlertMessage.objects.filter(pk=message.pk).update(**outcome)
        return outcome["status"]
    AlertMessage.objects.filter(pk=message.pk).update(
        status=AlertStatus.SENT, sent_at=timezone.now(), provider_message_id=provider_id, error=""
    )
    if message.kind == AlertKind.FAREWELL:
        subscription_end(subscription=message.subscription, reason=EndReason.UNUSED, now=now)
    return AlertStatus.SENT


def alert_messages_send(
    *,
    now=timezone.now,
    monotonic=time.monotonic,
    sleep=time.sleep,
    max_batches: int | None = None,
) -> dict[str, int]:
    """Send every due alert, never more than the rate within any second (sliding); the number
    of alerts by outcome.

    The rate limit is the provider account's, shared by every structure: one sender at a time
    (a lease, `SENDER_LEASE_KEY`, renewed at each batch). A run that finds another sending
    returns at once ({}): the one sending takes its alerts too (every structure's). A sender
    killed keeps the lease `SENDER_LEASE_SECONDS` at most; the 15-minute `send_alerts` run
    starts the next one."""
    if counter_increment(SENDER_LEASE_KEY, seconds=SENDER_LEASE_SECONDS) > 1:
        return {}
    try:
        return _send_all(
            now=now,
            monotonic=monotonic,
            sleep=sleep,
            max_batches=max_batches,
        )
    finally:
        counter_delete(SENDER_LEASE_KEY)


def _send_all(*, now, monotonic, sleep, max_batches) -> dict[str, int]:
    rate = max(1, settings.ALLERVERS_SMS_RATE_PER_SECOND)
    backend = sms.backend()
    window: collections.deque = collections.deque(maxlen=rate)  # when the last sends returned
    done: dict[str, int] = {}
    batches = 0
    while max_batches is None or batches < max_batches:
        moment = now()
        alerts_expire(moment)
        due = AlertMessage.objects.due(moment).filter(operator_id__in=_awake_operator_ids(moment))
        candidates = list(due.values_list("pk", flat=True)[:rate])
        if not candidates:
            break
        paused = set(AlertSitePause.objects.values_list("site_id", flat=True))
        loaded = AlertMessage.objects.select_related(
            "operator", "subscription", "stop__site"
        ).in_bulk(candidates)
        sent_to = []
        for pk in candidates:
            _wait_for_the_rate(window, monotonic, sleep)
            # Claimed one at a time, just before it leaves: a worker killed here leaves the
            # rest of the batch pending, for the next run. An unsubscription since the batch
            # was read emptied the alert's subscription: the claim refuses it.
            if not _claim(pk, moment):
                continue
            message = loaded[pk]
            status = _send_one(backend, message, paused, moment)
            window.append(monotonic())
            done[status] = done.get(status, 0) + 1
            if status == AlertStatus.SENT:
                sent_to.append(message.subscription_id)
        Subscription.objects.filter(pk__in=sent_to).update(last_sent_at=timezone.now())
        batches += 1
        counter_increment(SENDER_LEASE_KEY, seconds=SENDER_LEASE_SECONDS, restart=True)
        if len(candidates) < rate:
            break
    return done


def _wait_for_the_rate(window: collections.deque, monotonic, sleep) -> None:
    """Wait until one more send keeps every second within the rate: the provider counts a
    sliding second, so the send `rate` places back (the window's oldest, timed when it
    returned) must be a second old (and a hair more) before the next one leaves."""
    if len(window) == window.maxlen:
        wait = window[0] + 1 + RATE_MARGIN_SECONDS - monotonic()
        if wait > 0:
            sleep(wait)


def interrupted_alerts_fail(*, before: datetime.datetime, reason: str) -> int:
    """Alerts claimed before `before` and still `sending`: their worker died while sending;
    failed, never sent again (at most once). How many."""
    return AlertMessage.objects.filter(status=AlertStatus.SENDING, claimed_at__lt=before).update(
        status=AlertStatus.FAILED, error=reason[:ERROR_LENGTH]
    )


def alert_delivery_record(provider_message_id: str, status: str, at: datetime.datetime) -> bool:
    """A delivery report of the provider for one alert (the delivery webhook calls it): its
    status kept as the provider says it, the alert delivered or failed; a report older than the
    one kept changes nothing. Whether the alert was found."""
    if not provider_message_id:
        return False
    word = (status or "").strip().lower()[:30]
    found = AlertMessage.objects.filter(provider_message_id=provider_message_id)
    if not found.exists():
        return False
    change = {"delivery_status": word, "delivery_at": at}
    if word in DELIVERED:
        change["status"] = AlertStatus.DELIVERED
    elif word in LOST:
        change["status"] = AlertStatus.FAILED
        change["error"] = f"Non reçu (opérateur : {word})."
    newer = found.filter(delivery_at__isnull=True) | found.filter(delivery_at__lt=at)
    newer.filter(status__in=[AlertStatus.SENT, AlertStatus.DELIVERED, AlertStatus.FAILED]).update(
        **change
    )
    return True
