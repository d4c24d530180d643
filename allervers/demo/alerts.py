"""The demo's « Prévenez-moi » (issue 28): subscribers at each site, some made at the bus door
by an agent, and the alerts they received since the start of the demo year (the day before each
held stop, at once for a cancelled one), mostly delivered, a few failed. Numbers in the range
ARCEP keeps for fiction (06 39 98 xx xx); the random generator is the alerts' own, so that the
other builders' draws, and their figures, stay as they were."""

import datetime
import random

from django.utils import timezone

from allervers.alerts.enums import AlertKind, AlertStatus, SubscriptionSource
from allervers.alerts.models import AlertMessage, Subscription, SubscriptionSite
from allervers.alerts.services import AGENT_CONSENT_TEXT, CONSENT_TEXT, CONSENT_VERSION
from allervers.bookings.times import local_moment
from allervers.operators.models import Operator
from allervers.planning.enums import StopStatus
from allervers.planning.models import Site, Stop

SEED = 28
SUBSCRIBERS = (12, 45)  # per site, drawn between
AGENT_SHARE = 0.3
FAILED_SHARE = 0.03


def _number(index: int) -> str:
    return f"+3363998{index:04d}"


def build_alerts(*, operator: Operator, users: dict) -> int:
    """Subscriptions at each site and their alerts; how many subscriptions."""
    rng = random.Random(SEED)
    today = timezone.localdate()
    start = datetime.date(today.year - 1, 1, 1)
    agent = users.get("agent.accueil")
    sites = list(Site.objects.for_operator(operator).active().order_by("name"))
    rows, site_of = [], []
    index = 0
    for site in sites:
        for _ in range(rng.randint(*SUBSCRIBERS)):
            days = rng.randint(1, (today - start).days)
            made = timezone.make_aware(
                datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time(11))
            )
            by_agent = rng.random() < AGENT_SHARE
            rows.append(
                Subscription(
                    operator=operator,
                    phone=_number(index),
                    consent_text=AGENT_CONSENT_TEXT if by_agent else CONSENT_TEXT,
                    consent_version=CONSENT_VERSION,
                    source=SubscriptionSource.AGENT if by_agent else SubscriptionSource.PUBLIC,
                    created_by=agent if by_agent else None,
                    created_at=made,
                    confirmed_at=made,
                    last_used_at=made,
                )
            )
            site_of.append(site)
            index += 1
    Subscription.objects.bulk_create(rows)
    subscriptions = list(Subscription.objects.for_operator(operator).order_by("pk"))
    SubscriptionSite.objects.bulk_create(
        SubscriptionSite(operator=operator, subscription=subscription, site=site)
        for subscription, site in zip(subscriptions, site_of, strict=True)
    )
    by_site: dict[int, list[Subscription]] = {}
    for subscription, site in zip(subscriptions, site_of, strict=True):
        by_site.setdefault(site.pk, []).append(subscription)
    stops = Stop.objects.for_operator(operator).filter(date__gte=start, date__lt=today)
    alerts = []
    for stop in stops.order_by("date", "pk"):
        start_at = local_moment(operator, stop.date, stop.start_time)
        told_at = start_at - datetime.timedelta(hours=21)  # the day before, 17:00 or so
        held = stop.status == StopStatus.HELD
        for subscription in by_site.get(stop.site_id, []):
            if subscription.created_at >= told_at:
                continue
            failed = rng.random() < FAILED_SHARE
            alerts.append(
                AlertMessage(
                    operator=operator,
                    subscription=subscription,
                    site_id=stop.site_id,
                    stop=stop,
                    kind=AlertKind.DAY_BEFORE if held else AlertKind.CANCELLED,
                    status=AlertStatus.FAILED if failed else AlertStatus.DELIVERED,
                    error="Non reçu (opérateur : undelivered)." if failed else "",
                    attempts=1,
                    created_at=told_at,
                    not_before=told_at,
                    not_after=start_at,
                    claimed_at=told_at,
                    sent_at=told_at,
                    delivery_status="undelivered" if failed else "delivered",
                    delivery_at=told_at + datetime.timedelta(seconds=20),
                )
            )
    AlertMessage.objects.bulk_create(alerts, batch_size=2000)
    return len(subscriptions)
