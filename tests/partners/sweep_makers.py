"""Makers for the URL arguments of the partner screens, used by the role × URL sweep."""

from tests.partners.factories import PartnerFactory

MAKERS = {
    "partner_id": lambda operator, membership: (
        PartnerFactory(operator=operator, staff_have_logins=True).pk
    ),
}
