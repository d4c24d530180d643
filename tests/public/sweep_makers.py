"""Makers of the public URL arguments (an operator's slug, its site's or partner's slug, a
booking's link).

The public namespace is outside the role × URL sweep (nothing there is guarded), but the canary
(tests/operators/test_canary.py) walks it with these makers, like the back office.
"""

from allervers.bookings.links import booking_token, short_code
from tests.bookings.factories import AppointmentFactory, AppointmentOpeningFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, future_stop


def _appointment(operator):
    return AppointmentFactory(
        opening=AppointmentOpeningFactory(stop=future_stop(operator=operator))
    )


MAKERS = {
    "operator_slug": lambda operator, membership: operator.slug,
    "slug": lambda operator, membership: operator.slug,  # the API's `/operators/{slug}/...`
    "site_slug": lambda operator, membership: SiteFactory(operator=operator).slug,
    "partner_slug": lambda operator, membership: PartnerFactory(operator=operator).slug,
    "rest": lambda operator, membership: "nulle/part/",
    # A booking's signed link (/reservation/<token>/): an appointment of the operator.
    "token": lambda operator, membership: booking_token(_appointment(operator)),
    # Its short form, in an SMS (/reservation/c/<code>/).
    "code": lambda operator, membership: short_code(_appointment(operator)),
}
