"""Makers of the reception URL arguments for the role × URL sweep (tests/operators/sweep.py)."""

from allervers.core.roles import Role
from tests.operators.factories import UserFactory
from tests.reception.factories import (
    PersonFactory,
    ReferralFactory,
    VisitFactory,
    erasure_requests_fill,
)


def _referral(operator, membership):
    # A partner may only open the referrals addressed to its own organisation.
    if (
        membership is not None
        and membership.role == Role.PARTNER
        and membership.operator == operator
    ):
        return ReferralFactory(operator=operator, partner=membership.partner).pk
    return ReferralFactory(operator=operator).pk


def _erasure_request(operator, membership):
    by = UserFactory()
    person = PersonFactory(operator=operator, consent_recorded_by=by)
    return erasure_requests_fill(operator, person=person, by=by)[1].pk


MAKERS = {
    "erasure_request_id": _erasure_request,
    "visit_id": lambda operator, membership: VisitFactory(operator=operator).pk,
    "person_id": lambda operator, membership: PersonFactory(operator=operator).pk,
    "referral_id": _referral,
}
