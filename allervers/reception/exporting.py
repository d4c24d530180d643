"""The coordinator's export of visits: one row per visit, in the import's columns (plus a few)."""

import csv
import datetime

from django.utils import timezone

from allervers.operators.models import Operator

from .models import Visit

EXPORT_COLUMNS = [
    "identifiant",
    "date",
    "heure_arrivee",
    "heure_depart",
    "duree_minutes",
    "lieu",
    "genre",
    "age",
    "quartier",
    "situation",
    "thematiques",
    "partenaires",
    "venue",
    "connu_par",
    "premiere_visite",
    "cyber",
    "usage_cyber",
    "suite",
    "personne_suivie",
    "saisie",
    "note",
]

# A spreadsheet reads a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value):
    """Text typed by a user, made inert in a spreadsheet: an apostrophe before a formula sign.

    The import takes the apostrophe off again (`importing.visits_check`)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _time(moment: datetime.datetime | None) -> str:
    return "" if moment is None else f"{timezone.localtime(moment):%H:%M}"


def visit_row(visit: Visit) -> list:
    return [
        visit.pk,
        f"{visit.stop.date:%d/%m/%Y}",
        _time(visit.arrived_at),
        _time(visit.left_at),
        "" if visit.duration_minutes is None else visit.duration_minutes,
        visit.stop.site.name,
        visit.get_gender_display(),
        visit.get_age_band_display(),
        visit.get_lives_in_area_display(),
        visit.get_situation_display(),
        " | ".join(topic.name for topic in visit.topics.all()),
        " | ".join(partner.name for partner in visit.partners_seen.all()),
        visit.get_mode_display(),
        visit.get_heard_from_display(),
        visit.get_is_first_visit_display(),
        "Oui" if visit.cyber_used else "Non",
        visit.get_cyber_purpose_display() if visit.cyber_purpose else "",
        visit.get_outcome_display(),
        "" if visit.person_id is None else f"fiche {visit.person_id}",
        visit.get_source_display(),
        visit.note,
    ]


def visits_for_export(
    operator: Operator, start: datetime.date | None = None, end: datetime.date | None = None
):
    visits = (
        Visit.objects.for_operator(operator)
        .select_related("stop__site")
        .prefetch_related("topics", "partners_seen")
        .order_by("arrived_at", "pk")
    )
    if start:
        visits = visits.filter(stop__date__gte=start)
    if end:
        visits = visits.filter(stop__date__lte=end)
    return visits


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
        writer.writerow([spreadsheet_text(value) for value in visit_row(visit)])
        count += 1
    return count
