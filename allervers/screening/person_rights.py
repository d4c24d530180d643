"""A followed person's screenings of rights, for her access export (article 15 GDPR,
`reception.person_export`): the date, the month estimated and the rights found with their
amounts while the answers are kept; once emptied, the kinds of rights found only (what the visit
keeps). Never the answers themselves (docs/privacy.md)."""

from django.utils import timezone

from .enums import RightKind
from .models import Screening


def person_screenings(operator_id: int, person_id: int) -> list[dict]:
    """The person's screenings, oldest first (two queries)."""
    screenings = (
        Screening.objects.filter(operator_id=operator_id, visit__person_id=person_id)
        .prefetch_related("rights")
        .order_by("made_at", "pk")
    )
    return [
        {
            "made_at": timezone.localtime(screening.made_at),
            "month": screening.month,
            "visit_id": screening.visit_id,
            "kept": screening.inputs is not None,
            "rights": [
                {
                    "right": right.get_kind_display(),
                    "amount": right.amount,
                    "participation": right.participation,
                    "already_received": right.already_received,
                }
                for right in screening.rights.all()
            ]
            if screening.inputs is not None
            else [{"right": RightKind(kind).label} for kind in screening.kinds_found],
        }
        for screening in screenings
    ]
