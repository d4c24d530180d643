"""Importing a file of past visits, all or nothing (the checks are in `reception/importing.py`)."""

from django.db import transaction
from django.utils import timezone

from allervers.operators.models import Operator

from ..enums import VisitChangeKind, VisitSource
from ..importing import ImportRefused, visits_check
from ..models import Visit, VisitChange, VisitPartner, VisitTopic


@transaction.atomic
def visits_import(*, operator: Operator, user, name: str, content: bytes) -> int:
    """Import a file of past visits, all or nothing; return how many visits were created.

    Raises `importing.ImportRefused` (with the report of every faulty line) when any line is
    wrong: then nothing at all is saved.
    """
    report = visits_check(operator=operator, name=name, content=content)
    if not report.is_valid:
        raise ImportRefused(report)
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
