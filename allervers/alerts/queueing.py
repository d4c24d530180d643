"""Which alerts are due, written as `AlertMessage` rows (one per subscription, stop and event,
unique: queued twice, written once), then sent by the task (`sending.py`).

- the day before: at each structure's reminder time (`Operator.reminder_time`, the bookings'
  reminders' hour), for tomorrow's held stops (`alerts_day_before_queue`, from
  `manage.py send_alerts` every 15 minutes), never after the stop has begun;
- a stop cancelled or moved (`stop_change_queue`, from the planning's `stop_changed`): at once
  when the stop is within `CHANGE_NOTICE_DAYS`, else that many days before it, never after it
  has begun;
- a cancelled stop restored (the same way): « Le bus viendra finalement… », once, only to the
  subscribers its cancellation reached or is reaching (one still waiting is skipped instead:
  they never heard of it);
- 12 months without use (`subscriptions_unused_end`): a last message, then the subscription goes;
  never confirmed a day after it was asked (`subscriptions_unconfirmed_delete`): deleted.

Quiet hours: nothing leaves between 20:00 and 08:00 (the structure's time); what is queued then
waits for 08:00 (`not_before`). A paused site's subscribers get nothing while it is paused."""

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef

from allervers.bookings.times import local_moment, operator_zone
from allervers.operators.models import Operator
from allervers.planning.enums import StopEventKind, StopStatus
from allervers.planning.models import Stop

from .enums import AlertKind, AlertStatus, EndReason
from .models import AlertMessage, AlertSitePause, Subscription
from .services import subscription_end

QUIET_START = datetime.time(20, 0)
QUIET_END = datetime.time(8, 0)
CHANGE_NOTICE_DAYS = 7
UNUSED_DAYS = 365
FAREWELL_DAYS = 7
UNCONFIRMED_HOURS = 24
BULK = 1000
# A cancellation that reached its subscriber, or is leaving now: its restoration is told.
TOLD = (AlertStatus.SENDING, AlertStatus.SENT, AlertStatus.DELIVERED)


def quiet_release(operator, moment: datetime.datetime) -> datetime.datetime:
    """`moment`, or the end of the quiet hours it falls in (08:00 in the structure's time)."""
    local = moment.astimezone(operator_zone(operator))
    if local.time() >= QUIET_START:
        return local_moment(operator, local.date() + datetime.timedelta(days=1), QUIET_END)
    if local.time() < QUIET_END:
        return local_moment(operator, local.date(), QUIET_END)
    return moment


def is_quiet(operator, moment: datetime.datetime) -> bool:
    return quiet_release(operator, moment) != moment


def _subscribers(operator, site_id: int):
    return Subscription.objects.confirmed().filter(operator=operator, sites__site_id=site_id)


def alerts_queue(
    *,
    stop: Stop,
    kind: str,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
    discriminator: str = "",
    now: datetime.datetime,
    site_id: int | None = None,
    told_of: str | None = None,
) -> int:
    """Write the alerts of one stop's event for the subscribers of its site (or of `site_id`:
    the site a moved stop left) not told yet; with `told_of` (an alert kind), only those that
    alert of the stop reached or is reaching."""
    operator = stop.operator
    site_id = site_id or stop.site_id
    if AlertSitePause.objects.filter(site_id=site_id).exists() or not_after <= now:
        return 0
    told = AlertMessage.objects.filter(
        subscription_id=OuterRef("pk"), stop=stop, kind=kind, discriminator=discriminator
    )
    subscribers = _subscribers(operator, site_id).filter(~Exists(told))
    if told_of:
        earlier = AlertMessage.objects.filter(
            subscription_id=OuterRef("pk"), stop=stop, kind=told_of, status__in=TOLD
        )
        subscribers = subscribers.filter(Exists(earlier))
    release = quiet_release(operator, max(not_before, now))
    rows = [
        AlertMessage(
            operator=operator,
            subscription_id=pk,
            site_id=site_id,
            stop=stop,
            kind=kind,
            discriminator=discriminator,
            channel="sms" if phone else "email",
            created_at=now,
            not_before=release,
            not_after=not_after,
        )
        for pk, phone in subscribers.values_list("pk", "phone").order_by("pk")
    ]
    AlertMessage.objects.bulk_create(rows, batch_size=BULK, ignore_conflicts=True)
    return len(rows)


def _start(stop: Stop) -> datetime.datetime:
    return local_moment(stop.operator, stop.date, stop.start_time)


def alerts_day_before_queue(now: datetime.datetime) -> dict[int, int]:
    """Queue the day-before alerts of every structure whose reminder time has passed; the
    number queued, by structure."""
    queued = {}
    for operator in Operator.objects.order_by("pk"):
        local = now.astimezone(operator_zone(operator))
        if local.time() < operator.reminder_time:
            continue
        tomorrow = local.date() + datetime.timedelta(days=1)
        stops = Stop.objects.for_operator(operator).filter(date=tomorrow, status=StopStatus.HELD)
        count = 0
        for stop in stops.select_related("operator").order_by("start_time", "pk"):
            count += alerts_queue(
                stop=stop,
                kind=AlertKind.DAY_BEFORE,
                not_before=now,
                not_after=_start(stop),
                now=now,
            )
        if count:
            queued[operator.pk] = count
    return queued


def stop_change_queue(*, stop_id: int, kind: str, now: datetime.datetime) -> int:
    """A stop cancelled, moved or restored: its subscribers told (see the module's docstring)."""
    stop = Stop.objects.select_related("operator").filter(pk=stop_id).first()
    if stop is None:
        return 0
    start = _start(stop)
    notice = start - datetime.timedelta(days=CHANGE_NOTICE_DAYS)
    told_of = None
    if kind == StopEventKind.CANCELLED and stop.status == StopStatus.CANCELLED:
        alert, discriminator = AlertKind.CANCELLED, ""
    elif kind == StopEventKind.RESTORED and stop.status == StopStatus.HELD:
        # Once, like its cancellation (told once per stop).
        alert, discriminator, told_of = AlertKind.RESTORED, "", AlertKind.CANCELLED
    elif kind == StopEventKind.MOVED and stop.status == StopStatus.HELD:
        moved = stop.moved_at or now
        alert, discriminator = AlertKind.MOVED, moved.isoformat(timespec="seconds")
    else:
        return 0
    # A move to another site is told at both: its subscribers expect the bus at the old one.
    sites = [stop.site_id]
    if alert == AlertKind.MOVED:
        last_move = stop.events.filter(kind=StopEventKind.MOVED).order_by("at", "pk").last()
        if last_move and last_move.previous_site_id not in (None, stop.site_id):
            sites.append(last_move.previous_site_id)
    return sum(
        alerts_queue(
            stop=stop,
            kind=alert,
            not_before=max(now, notice),
            not_after=start,
            discriminator=discriminator,
            now=now,
            site_id=site_id,
            told_of=told_of,
        )
        for site_id in sites
    )


@transaction.atomic
def subscriptions_unused_end(now: datetime.datetime) -> int:
    """Subscriptions unused for 12 months: their last message queued (the row goes once it
    has left, `sending.py`). How many."""
    before = now - datetime.timedelta(days=UNUSED_DAYS)
    ending = list(
        Subscription.objects.confirmed()
        .filter(last_used_at__lt=before)
        .select_related("operator")
        .prefetch_related("sites")
    )
    rows, without_site = [], []
    for subscription in ending:
        first_site = subscription.sites.all()[:1]
        if not first_site:  # its sites were deleted: nothing to say, it ends without a word
            without_site.append(subscription)
            continue
        rows.append(
            AlertMessage(
                operator_id=subscription.operator_id,
                subscription=subscription,
                site_id=first_site[0].site_id,
                kind=AlertKind.FAREWELL,
                channel=subscription.channel,
                created_at=now,
                not_before=quiet_release(subscription.operator, now),
                not_after=now + datetime.timedelta(days=FAREWELL_DAYS),
            )
        )
    AlertMessage.objects.bulk_create(rows, batch_size=BULK, ignore_conflicts=True)
    Subscription.objects.filter(pk__in=[s.pk for s in ending]).update(ending_at=now)
    for subscription in without_site:
        subscription_end(subscription=subscription, reason=EndReason.UNUSED, now=now)
    return len(rows)


def subscriptions_unconfirmed_delete(now: datetime.datetime) -> int:
    """Subscriptions never confirmed a day after they were asked: deleted, their number with
    them (nothing counted: they never were subscriptions). How many."""
    before = now - datetime.timedelta(hours=UNCONFIRMED_HOURS)
    deleted, _ = Subscription.objects.filter(
        confirmed_at__isnull=True, created_at__lt=before
    ).delete()
    return deleted
