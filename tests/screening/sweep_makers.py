"""Makers of the screening URL arguments for the role × URL sweep (tests/operators/sweep.py)."""

import secrets

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


def _link_token(operator, membership):
    # The public page of a sent link (/droits/<link_token>/): a usable link of the operator.
    token = secrets.token_urlsafe(16)
    EstimatedRightsLinkFactory(operator=operator, token=token)
    return token


MAKERS = {
    "screening_id": lambda operator, membership: ScreeningFactory(operator=operator).pk,
    "right_id": _right,
    "link_id": lambda operator, membership: EstimatedRightsLinkFactory(operator=operator).pk,
    "link_token": _link_token,
}
