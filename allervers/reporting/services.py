"""Closing and reopening a year (the only writes of reporting)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import Site

from .models import FilterKind, YearClosure, YearClosureFilter
from .periods import FIRST_YEAR, Period
from .queries import Scope, report_compute, stored


@transaction.atomic
def year_close(
    *, operator: Operator, year: int, user, today: datetime.date | None = None
) -> YearClosure:
    """Store the year's figures as they are now, for the whole operator and for each of its sites
    and partners taken alone; the year's report (unfiltered, or filtered on one site or one
    partner) reads them from then on."""
    today = today or timezone.localdate()
    if year < FIRST_YEAR:
        raise ValidationError(f"L'année {year} n'est pas une année du service.")
    if year >= today.year:
        raise ValidationError(
            f"L'année {year} n'est pas terminée : elle pourra être close à partir du "
            f"1er janvier {year + 1}."
        )
    if YearClosure.objects.for_operator(operator).in_force().filter(year=year).exists():
        raise ValidationError(f"L'année {year} est déjà close.")
    period = Period.year(year)
    figures = stored(report_compute(Scope(operator.pk, period, today)))
    subjects = [
        (FilterKind.SITE, pk, name, Scope(operator.pk, period, today, site_id=pk))
        for pk, name in Site.objects.for_operator(operator).values_list("pk", "name")
    ] + [
        (FilterKind.PARTNER, pk, name, Scope(operator.pk, period, today, partner_id=pk))
        for pk, name in Partner.objects.for_operator(operator).values_list("pk", "name")
    ]
    filtered = [
        (kind, pk, name, stored(report_compute(scope))) for kind, pk, name, scope in subjects
    ]
    try:
        with transaction.atomic():
            closure = YearClosure.objects.create(
                operator=operator,
                year=year,
                figures=figures,
                closed_at=timezone.now(),
                closed_by=user,
            )
    except IntegrityError as error:  # closed meanwhile by someone else
        raise ValidationError(f"L'année {year} est déjà close.") from error
    YearClosureFilter.objects.bulk_create(
        YearClosureFilter(
            operator=operator,
            closure=closure,
            kind=kind,
            subject_id=pk,
            subject_name=name,
            figures=report,
        )
        for kind, pk, name, report in filtered
    )
    return closure


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
