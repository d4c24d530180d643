"""The alerts' rows for the canary (tests/operators/canary.py): a subscription at the site, one
made by an agent, a pending one, their alerts (sent, failed, a farewell), a paused site and the
month's unsubscriptions."""

import datetime

from django.utils import timezone

from allervers.alerts.enums import AlertKind, AlertStatus, EndReason
from allervers.alerts.models import AlertMessage, AlertSitePause
from allervers.alerts.services import unsubscription_count
from tests.alerts.factories import SubscriptionFactory
from tests.planning.factories import SiteFactory


def alerts_fill(operator, *, site, stop, by) -> None:
    now = timezone.now()
    online = SubscriptionFactory(operator=operator, sites=[site])
    SubscriptionFactory(operator=operator, sites=[site], source="agent", created_by=by)
    SubscriptionFactory(operator=operator, sites=[site], confirmed_at=None, email="a@example.org")
    later = now + datetime.timedelta(days=1)
    for kind, status in [
        (AlertKind.DAY_BEFORE, AlertStatus.SENT),
        (AlertKind.CANCELLED, AlertStatus.FAILED),
    ]:
        AlertMessage.objects.create(
            operator=operator,
            subscription=online,
            site=site,
            stop=stop,
            kind=kind,
            status=status,
            error="Refus de l'opérateur" if status == AlertStatus.FAILED else "",
            provider_message_id="fournisseur-1",
            not_after=later,
        )
    AlertSitePause.objects.create(
        operator=operator, site=SiteFactory(operator=operator), paused_by=by
    )
    unsubscription_count(operator_id=operator.pk, reason=EndReason.LINK, now=now)
