"""Makers of the reception URL arguments for the role × URL sweep (tests/operators/sweep.py)."""

from allervers.operators.enums import Role
from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory


def _referral(operator, membership):
    # A partner may only open the referrals addressed to its own organisation.
    if (
        membership is not None
        and membership.role == Role.PARTNER
        and membership.operator == operator
    ):
        return ReferralFactory(operator=operator, partner=membership.partner).pk
    return ReferralFactory(operator=operator).pk


MAKERS = {
    "visit_id": lambda operator, membership: VisitFactory(operator=operator).pk,
    "person_id": lambda operator, membership: PersonFactory(operator=operator).pk,
    "referral_id": _referral,
}
