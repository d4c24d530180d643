"""Makers of the public URL arguments (an operator's slug, its site's or partner's slug).

The public namespace is outside the role × URL sweep (nothing there is guarded), but the canary
(tests/operators/test_canary.py) walks it with these makers, like the back office.
"""

from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory

MAKERS = {
    "operator_slug": lambda operator, membership: operator.slug,
    "slug": lambda operator, membership: operator.slug,  # the API's `/operators/{slug}/...`
    "site_slug": lambda operator, membership: SiteFactory(operator=operator).slug,
    "partner_slug": lambda operator, membership: PartnerFactory(operator=operator).slug,
    "rest": lambda operator, membership: "nulle/part/",
}
