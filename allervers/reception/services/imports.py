"""Importing a file of past visits, all or nothing: the file is read and its lines checked in
`reception/importing.py`, then its visits are recorded by the same service as the form's
(`visits.visits_record`: the same rules, written together in one transaction)."""

from django.db import transaction

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.operators.models import Operator
from allervers.planning.services import stop_create_one_off

from ..enums import VisitChangeKind, VisitSource
from ..importing import ImportRefused, visits_check
from .visits import NewVisit, VisitsRefused, visits_record


@transaction.atomic
def visits_import(
    *,
    operator: Operator,
    user,
    name: str,
    content: bytes,
    skip_duplicates: bool = False,
    create_stops: bool = False,
    request=None,
) -> int:
    """Import a file of past visits, all or nothing; return how many visits were created.

    Raises `importing.ImportRefused` (with the report of every faulty line) when any line is
    wrong: then nothing at all is saved. Rows already recorded (same stop, times and answers)
    are skipped only with `skip_duplicates`, and the past stops the planning lacks are created
    (one-off stops, listed by the dry run) only with `create_stops`; else refused likewise.
    Journaled for `request` (one entry for the file).
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
    try:
        visits = visits_record(
            operator=operator,
            user=user,
            visits=[
                NewVisit(
                    stop=row.stop,
                    arrived_at=row.arrived_at,
                    left_at=row.left_at,
                    topics=row.topics,
                    partners_seen=row.partners,
                    answers=dict(row.answers),
                )
                for row in report.rows
            ],
            source=VisitSource.IMPORTED,
            history=VisitChangeKind.IMPORTED,
            history_changes={"file": {"label": "fichier", "before": "—", "after": name[:200]}},
        )
    except VisitsRefused as refused:
        # A rule of the visit the file's reading did not already state: the line says which.
        for index, error in refused.errors:
            report.add_error(report.rows[index].line, " ".join(error.messages))
        report.rows = []
        raise ImportRefused(report) from None
    journal(request, Action.IMPORT_CONFIRMED, detail=f"{len(visits)} visites importées")
    return len(visits)
