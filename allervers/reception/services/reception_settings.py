"""The coordinator's reception settings: the neighbourhood and the referrals' delay."""

from django.db import transaction

from allervers.operators.models import Operator


@transaction.atomic
def reception_settings_update(
    *,
    operator: Operator,
    neighbourhood_name: str,
    neighbourhood_streets: str,
    referral_overdue_days: int,
) -> Operator:
    operator.neighbourhood_name = neighbourhood_name.strip()
    operator.neighbourhood_streets = "\n".join(
        line.strip() for line in neighbourhood_streets.splitlines() if line.strip()
    )
    operator.referral_overdue_days = referral_overdue_days
    operator.save(
        update_fields=["neighbourhood_name", "neighbourhood_streets", "referral_overdue_days"]
    )
    return operator
