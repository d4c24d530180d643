"""Makers of the operators URL arguments for the role × URL sweep (tests/operators/sweep.py)."""

from tests.operators.factories import MembershipFactory

MAKERS = {
    "membership_id": lambda operator, membership: MembershipFactory(operator=operator).pk,
}
