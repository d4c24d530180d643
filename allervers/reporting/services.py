"""Closing and reopening a year (the only writes of reporting)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from allervers.operators.models import Operator

from .indicators import Scope, report_compute
from .models import YearClosure
from .periods import Period


@transaction.atomic
def year_close(
    *, operator: Operator, year: int, user, today: datetime.date | None = None
) -> YearClosure:
    """Store the year's figures as they are now; the year's report reads them from then on."""
    today = today or timezone.localdate()
    if year >= today.year:
        raise ValidationError(
            f"L'année {year} n'est pas terminée : elle pourra être close à partir du "
            f"1er janvier {year + 1}."
        )
    if YearClosure.objects.for_operator(operator).in_force().filter(year=year).exists():
        raise ValidationError(f"L'année {year} est déjà close.")
    figures = report_compute(Scope(operator.pk, Period.year(year), today))
    try:
        with transaction.atomic():
            return YearClosure.objects.create(
                operator=operator,
                year=year,
                figures=figures,
                closed_at=timezone.now(),
                closed_by=user,
            )
    except IntegrityError as error:  # closed meanwhile by someone else
        raise ValidationError(f"L'année {year} est déjà close.") from error


@transaction.atomic
def year_reopen(*, operator: Operator, year: int, user, reason: str) -> YearClosure:
    """Reopen a closed year: its figures are computed live again; the closure stays recorded."""
    closure = (
        YearClosure.objects.for_operator(operator)
        .in_force()
        .select_for_update()
        .filter(year=year)
        .first()
    )
    if closure is None:
        raise ValidationError(f"L'année {year} n'est pas close.")
    if not reason.strip():
        raise ValidationError("Indiquez le motif de la réouverture.")
    closure.reopened_at = timezone.now()
    closure.reopened_by = user
    closure.reopen_reason = reason.strip()[:300]
    closure.save(update_fields=["reopened_at", "reopened_by", "reopen_reason"])
    return closure
