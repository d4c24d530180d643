"""What the coordinator reads about the alerts: counts only, never a number or an address."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from allervers.bookings.times import operator_zone
from allervers.planning.calendars import month_label
from allervers.planning.enums import StopStatus
from allervers.planning.models import Site, Stop

from .enums import AlertKind, AlertStatus
from .models import AlertMessage, AlertSitePause, SubscriptionSite, UnsubscriptionCount
from .texts import alert_text

SENT = [AlertStatus.SENT, AlertStatus.DELIVERED]
MONTHS_SHOWN = 12
LINK_PLACEHOLDER = "https://…/alertes/…/"


def subscriber_counts(operator) -> dict[int, int]:
    """Site id → confirmed subscriptions (one query)."""
    rows = (
        SubscriptionSite.objects.for_operator(operator)
        .filter(subscription__confirmed_at__isnull=False, subscription__ending_at__isnull=True)
        .values("site")
        .annotate(count=Count("subscription", distinct=True))
    )
    return {row["site"]: row["count"] for row in rows}


@dataclass(frozen=True)
class SiteRow:
    site: Site
    subscribers: int
    paused: bool


def sites_with_subscribers(operator) -> list[SiteRow]:
    counts = subscriber_counts(operator)
    paused = set(AlertSitePause.objects.for_operator(operator).values_list("site_id", flat=True))
    return [
        SiteRow(site=site, subscribers=counts.get(site.pk, 0), paused=site.pk in paused)
        for site in Site.objects.for_operator(operator).active().order_by("name")
    ]


@dataclass(frozen=True)
class MonthRow:
    label: str
    sent: int
    failed: int
    expired: int
    unsubscribed: int
    cost: Decimal


def price_per_sms() -> Decimal:
    return Decimal(str(settings.ALLERVERS_SMS_PRICE_EUROS))


def months(operator, now: datetime.datetime | None = None) -> list[MonthRow]:
    """The last 12 months, newest first: alerts sent, failed, too late; unsubscriptions; the cost
    of the SMS sent at `ALLERVERS_SMS_PRICE_EUROS` each (an estimate: one SMS per alert)."""
    now = now or timezone.now()
    zone = operator_zone(operator)
    local = now.astimezone(zone)
    first = datetime.date(local.year, local.month, 1)
    start = first
    for _ in range(MONTHS_SHOWN - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    rows = (
        AlertMessage.objects.for_operator(operator)
        .filter(created_at__gte=datetime.datetime.combine(start, datetime.time(), tzinfo=zone))
        .annotate(month=TruncMonth("created_at", tzinfo=zone))
        .values("month")
        .annotate(
            sent=Count("pk", filter=Q(status__in=SENT)),
            sent_sms=Count("pk", filter=Q(status__in=SENT, channel="sms")),
            failed=Count("pk", filter=Q(status=AlertStatus.FAILED)),
            expired=Count("pk", filter=Q(status=AlertStatus.EXPIRED)),
        )
    )
    by_month = {row["month"].date().replace(day=1): row for row in rows}
    ended = {
        row["month"]: row["total"]
        for row in UnsubscriptionCount.objects.for_operator(operator)
        .filter(month__gte=start)
        .values("month")
        .annotate(total=Sum("count"))
    }
    result, month = [], first
    price = price_per_sms()
    for _ in range(MONTHS_SHOWN):
        row = by_month.get(month, {})
        result.append(
            MonthRow(
                label=month_label(month.year, month.month),
                sent=row.get("sent", 0),
                failed=row.get("failed", 0),
                expired=row.get("expired", 0),
                unsubscribed=ended.get(month, 0),
                cost=(price * row.get("sent_sms", 0)).quantize(Decimal("0.01")),
            )
        )
        month = (month - datetime.timedelta(days=1)).replace(day=1)
    return result


@dataclass(frozen=True)
class PreviewRow:
    stop: Stop
    subscribers: int
    paused: bool
    text: str


def tomorrow_preview(operator, now: datetime.datetime | None = None) -> list[PreviewRow]:
    """Tomorrow's held stops, the number of alerts each will make and their words."""
    now = now or timezone.now()
    today = now.astimezone(operator_zone(operator)).date()
    tomorrow = today + datetime.timedelta(days=1)
    counts = subscriber_counts(operator)
    paused = set(AlertSitePause.objects.for_operator(operator).values_list("site_id", flat=True))
    stops = (
        Stop.objects.for_operator(operator)
        .filter(date=tomorrow, status=StopStatus.HELD)
        .select_related("site")
        .order_by("start_time", "pk")
    )
    return [
        PreviewRow(
            stop=stop,
            subscribers=counts.get(stop.site_id, 0),
            paused=stop.site_id in paused,
            text=alert_text(
                AlertKind.DAY_BEFORE,
                operator_name=operator.name,
                site_name=stop.site.name,
                date=stop.date,
                start=stop.start_time,
                end=stop.end_time,
                today=today,
                link=LINK_PLACEHOLDER,
            ),
        )
        for stop in stops
    ]
