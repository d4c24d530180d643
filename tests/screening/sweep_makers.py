"""Makers of the screening URL arguments for the role × URL sweep (tests/operators/sweep.py)."""

from allervers.core.roles import Role
from tests.reception.factories import ReferralFactory
from tests.screening.factories import (
    EstimatedRightsLinkFactory,
    ScreeningFactory,
    ScreeningRightFactory,
)


def _right(operator, membership):
    # A right with its referral: a partner may only open those addressed to its organisation.
    if (
        membership is not None
        and membership.role == Role.PARTNER
        and membership.operator == operator
    ):
        referral = ReferralFactory(operator=operator, partner=membership.partner)
    else:
        referral = ReferralFactory(operator=operator)
    screening = ScreeningFactory(operator=operator, visit=referral.visit)
    return ScreeningRightFactory(
        operator=operator, screening=screening, referral=referral, referred_at=referral.proposed_at
    ).pk


MAKERS = {
    "screening_id": lambda operator, membership: ScreeningFactory(operator=operator).pk,
    "right_id": _right,
    "link_id": lambda operator, membership: EstimatedRightsLinkFactory(operator=operator).pk,
}
