"""The demo year's visits, people and referrals (issue 4 fills this in)."""

import random

from allervers.operators.models import Operator
from allervers.reception.models import (
    CyberUsage,
    Person,
    Referral,
    ReferralEvent,
    Visit,
    VisitChange,
    VisitPartner,
    VisitTopic,
)


def remove_reception(operator: Operator) -> None:
    """Delete the operator's reception log, children first (visits PROTECT their stops)."""
    for model in (
        ReferralEvent,
        Referral,
        VisitChange,
        VisitTopic,
        VisitPartner,
        CyberUsage,
        Visit,
        Person,
    ):
        model.objects.filter(operator=operator).delete()


def build_reception(*, operator: Operator, users: dict, rng: random.Random) -> None:
    """Add the demo visits consistent with the field report. Nothing yet."""
