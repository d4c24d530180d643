"""Makers of the alerts' URL arguments (the public canary walks them; the back office's
`site_id` is the planning's maker)."""

from allervers.alerts.links import subscription_code
from tests.alerts.factories import SubscriptionFactory
from tests.planning.factories import SiteFactory


def _subscription(operator):
    return SubscriptionFactory(operator=operator, sites=[SiteFactory(operator=operator)])


MAKERS = {
    "subscription_code": lambda operator, membership: subscription_code(_subscription(operator)),
}
