"""Factories of the alerts: confirmed subscriptions (by default) at sites."""

import itertools

import factory
from django.utils import timezone

from allervers.alerts.enums import SubscriptionSource
from allervers.alerts.models import Subscription, SubscriptionSite
from allervers.alerts.services import CONSENT_TEXT, CONSENT_VERSION
from tests.operators.factories import OperatorFactory

_numbers = itertools.count(10_000_000)


def mobile_number(n: int | None = None) -> str:
    """A valid French mobile in E.164: +336 then 8 digits."""
    return f"+336{(next(_numbers) if n is None else n):08d}"


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription
        skip_postgeneration_save = True

    operator = factory.SubFactory(OperatorFactory)
    phone = factory.LazyFunction(mobile_number)
    consent_text = CONSENT_TEXT
    consent_version = CONSENT_VERSION
    source = SubscriptionSource.PUBLIC
    confirmed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def sites(self, create, extracted, **kwargs):
        for site in extracted or []:
            SubscriptionSite.objects.create(operator=self.operator, subscription=self, site=site)


def subscribers_make(site, count: int) -> None:
    """`count` confirmed subscriptions at `site`, in two bulk inserts."""
    now = timezone.now()
    rows = Subscription.objects.bulk_create(
        [
            Subscription(
                operator_id=site.operator_id,
                phone=mobile_number(),
                consent_text=CONSENT_TEXT,
                consent_version=CONSENT_VERSION,
                source=SubscriptionSource.PUBLIC,
                confirmed_at=now,
            )
            for _ in range(count)
        ],
        batch_size=1000,
    )
    if rows and rows[0].pk is None:  # a backend without RETURNING: read them back
        rows = list(Subscription.objects.filter(operator_id=site.operator_id).order_by("-pk"))[
            :count
        ]
    SubscriptionSite.objects.bulk_create(
        [
            SubscriptionSite(operator_id=site.operator_id, subscription_id=row.pk, site=site)
            for row in rows
        ],
        batch_size=1000,
    )
