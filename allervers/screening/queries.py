"""The figures of the screening of rights for a period (docs/indicators.md): SQL aggregates."""

import datetime
from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, Sum, Value, When
from django.utils import timezone

from .enums import BAND_VALUES, RightKind, RightOutcome
from .models import Screening, ScreeningRight


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# A right's estimated amount; for a detached right, the value its band counts for (BAND_VALUES).
_AMOUNT = Case(
    *(When(amount_band=band, then=Value(value)) for band, value in BAND_VALUES.items()),
    default=F("amount"),
    output_field=DecimalField(max_digits=8, decimal_places=2),
)


def screening_figures(operator_id: int, start: datetime.date, end: datetime.date) -> dict:
    """Screenings made from `start` to `end` (included), and by kind of right: rights found
    likely missing, referred, opened, refused, dropped, with the estimated monthly amounts found
    and opened (a detached right counts for its band's value). Two queries."""
    screenings = Screening.objects.filter(
        operator_id=operator_id,
        made_at__gte=_aware(start),
        made_at__lt=_aware(end + datetime.timedelta(days=1)),
    ).count()
    missing = ScreeningRight.objects.filter(
        operator_id=operator_id, made_on__gte=start, made_on__lte=end, likely_missing=True
    )
    opened = Q(outcome=RightOutcome.OPENED)
    rows = missing.values("kind").annotate(
        found=Count("pk"),
        found_amount=Sum(_AMOUNT),
        referred=Count("pk", filter=Q(referred_at__isnull=False)),
        opened=Count("pk", filter=opened),
        opened_amount=Sum(_AMOUNT, filter=opened),
        refused=Count("pk", filter=Q(outcome=RightOutcome.REFUSED)),
        dropped=Count("pk", filter=Q(outcome=RightOutcome.DROPPED)),
    )
    # Amounts stay exact (`Decimal`): a closed year stores them as text
    # (`reporting.queries.stored`).
    by_kind = {
        row["kind"]: {
            **row,
            "found_amount": row["found_amount"] or Decimal(0),
            "opened_amount": row["opened_amount"] or Decimal(0),
        }
        for row in rows
    }
    kinds = [
        {"kind": kind, "label": label, **by_kind[kind]}
        for kind, label in RightKind.choices
        if kind in by_kind
    ]
    names = ("found", "found_amount", "referred", "opened", "opened_amount", "refused", "dropped")
    total = {name: sum(row[name] or 0 for row in kinds) for name in names}
    return {"screenings": screenings, "kinds": kinds, "total": total}
