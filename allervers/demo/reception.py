"""The demo year's visits, people and referrals (issue 4 fills this in)."""

import random

from allervers.operators.models import Operator


def build_reception(*, operator: Operator, users: dict, rng: random.Random) -> None:
    """Add the demo visits consistent with the field report. Nothing yet."""
