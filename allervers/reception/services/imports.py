"""Importing a file of past visits, all or nothing (the checks are in `reception/importing.py`)."""

from django.db import transaction
from django.utils import timezone

from allervers.operators.models import Operator
from allervers.planning.services import stop_create_one_off

from ..enums import VisitChangeKind, VisitSource
from ..importing import ImportRefused, visits_check
from ..models import Visit, VisitChange, VisitPartner, VisitTopic


@transaction.atomic
def visits_import(
    *,
    operator: Operator,
    user,
    name: str,
    content: bytes,
    skip_duplicates: bool = False,
    create_stops: bool = False,
) -> int:
    """Import a file of past visits, all or nothing; return how many visits were created.

    Raises `importing.ImportRefused` (with the report of every faulty line) when any line is
    wrong: then nothing at all is saved. Rows already recorded (same stop, times and answers)
    are skipped only with `skip_duplicates`, and the past stops the planning lacks are created
    (one-off stops, listed by the dry run) only with `create_stops`; else refused likewise.
    """
    report = visits_check(operator=operator, name=name, content=content)
    if not report.is_valid:
        raise ImportRefused(report)
    report.confirm_errors = report.unconfirmed(
        skip_duplicates=skip_duplicates, create_stops=create_stops
    )
    if report.confirm_errors:
        raise ImportRefused(report)
    for missing in report.missing_stops:
        stop = stop_create_one_off(
            operator=operator,
            vehicle=missing.vehicle,
            site=missing.site,
            date=missing.date,
            start_time=missing.start_time,
            end_time=missing.end_time,
            title="Créée à l'import des visites",
        )
        for row in report.rows:
            if row.missing is missing:
                row.stop = stop
    visits = Visit.objects.bulk_create(
        Visit(
            operator=operator,
            stop=row.stop,
            arrived_at=row.arrived_at,
            left_at=row.left_at,
            source=VisitSource.IMPORTED,
            created_by=user,
            **row.answers,
        )
        for row in report.rows
    )
    VisitTopic.objects.bulk_create(
        VisitTopic(operator=operator, visit=visit, topic=topic)
        for visit, row in zip(visits, report.rows, strict=True)
        for topic in row.topics
    )
    VisitPartner.objects.bulk_create(
        VisitPartner(operator=operator, visit=visit, partner=partner)
        for visit, row in zip(visits, report.rows, strict=True)
        for partner in row.partners
    )
    now = timezone.now()
    VisitChange.objects.bulk_create(
        VisitChange(
            operator=operator,
            visit=visit,
            kind=VisitChangeKind.IMPORTED,
            changed_at=now,
            changed_by=user,
            changes={"file": {"label": "fichier", "before": "—", "after": name[:200]}},
        )
        for visit in visits
    )
    return len(visits)
