"""The coordinator's export of visits: one row per visit, in the import's columns (plus a few)."""

import csv
import datetime

from django.utils import timezone

from allervers.core.spreadsheets import spreadsheet_row
from allervers.operators.models import Operator

from .importing import COLUMN_NAMES
from .models import Visit
from .queries import visits_for_export
from .questions import QUESTIONS, Question


def _answer(question: Question):
    """The export's cell of one question: the answer's French label."""
    return lambda visit: getattr(visit, f"get_{question.field}_display")()


def _time(moment: datetime.datetime | None) -> str:
    return "" if moment is None else f"{timezone.localtime(moment):%H:%M}"


def _names(items) -> str:
    return " | ".join(item.name for item in items.all())


# The cell of each column of the export; the visit's questions come from the registry.
CELLS = {
    "identifiant": lambda visit: visit.pk,
    "date": lambda visit: f"{visit.stop.date:%d/%m/%Y}",
    "heure_arrivee": lambda visit: _time(visit.arrived_at),
    "heure_depart": lambda visit: _time(visit.left_at),
    "duree_minutes": lambda v: "" if v.duration_minutes is None else v.duration_minutes,
    "lieu": lambda visit: visit.stop.site.name,
    "thematiques": lambda visit: _names(visit.topics),
    "partenaires": lambda visit: _names(visit.partners_seen),
    "cyber": lambda visit: "Oui" if visit.cyber_used else "Non",
    "usage_cyber": lambda v: v.get_cyber_purpose_display() if v.cyber_purpose else "",
    "personne_suivie": lambda v: "" if v.person_id is None else f"fiche {v.person_id}",
    "saisie": lambda visit: visit.get_source_display(),
    "note": lambda visit: visit.note,
    **{question.column: _answer(question) for question in QUESTIONS},
}
# The export's own columns (the import ignores them), placed before an import column.
EXPORT_ONLY_BEFORE = {
    "date": ["identifiant"],
    "lieu": ["duree_minutes"],
    "note": ["personne_suivie", "saisie"],
}
# The import's columns, in its order, with the export's own ones among them.
EXPORT_COLUMNS = [
    column for name in COLUMN_NAMES for column in (*EXPORT_ONLY_BEFORE.get(name, ()), name)
]


def visit_row(visit: Visit) -> list:
    return [CELLS[column](visit) for column in EXPORT_COLUMNS]


def visits_write_csv(
    stream,
    *,
    operator: Operator,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> int:
    """Write the CSV (UTF-8 with BOM, « ; » separated: what French spreadsheets open)."""
    stream.write("\ufeff")
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(EXPORT_COLUMNS)
    count = 0
    for visit in visits_for_export(operator, start, end).iterator(chunk_size=500):
        writer.writerow(spreadsheet_row(visit_row(visit)))
        count += 1
    return count
