"""The subscription's link: its id and the first `SHORT_SECRET` characters of its secret
(72 random bits), short enough for an SMS. It leads to the subscription's page (the site's
public page, and « Me désinscrire » in one click); the confirmation page of a new subscription
carries it too. A forged, altered or deleted subscription's link is refused the same way."""

import re

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from .models import Subscription

SHORT_SECRET = 12
CODE = re.compile(rf"([1-9][0-9]{{0,17}})-([A-Za-z0-9_-]{{{SHORT_SECRET}}})")


def subscription_code(subscription: Subscription) -> str:
    return f"{subscription.pk}-{subscription.secret[:SHORT_SECRET]}"


def subscription_from_code(code: str) -> Subscription | None:
    match = CODE.fullmatch(code or "")
    if match is None:
        return None
    subscription = Subscription.objects.select_related("operator").filter(pk=match[1]).first()
    if subscription is None or not constant_time_compare(
        match[2], subscription.secret[:SHORT_SECRET]
    ):
        return None
    return subscription


def alert_short_url(subscription: Subscription) -> str:
    path = reverse(
        "public:alert_link", kwargs={"subscription_code": subscription_code(subscription)}
    )
    return settings.ALLERVERS_SITE_URL.rstrip("/") + path


def alerts_page_url(operator) -> str:
    path = reverse("public:alert_subscribe", kwargs={"operator_slug": operator.slug})
    return settings.ALLERVERS_SITE_URL.rstrip("/") + path
