"""The reads of the access log: the journal's entries, filtered, and the objects they name."""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from .models import AccessLogEntry, AccessLogEntryQuerySet


@dataclass(frozen=True)
class TargetKind:
    """How the journal names and links an entry's object (`target_type`)."""

    label: str
    model: str
    url_name: str
    url_argument: str


TARGET_KINDS = {
    "person": TargetKind(
        "Fiche personne", "reception.Person", "reception:person_detail", "person_id"
    ),
    "visit": TargetKind("Visite", "reception.Visit", "reception:visit_detail", "visit_id"),
    "referral": TargetKind(
        "Orientation", "reception.Referral", "reception:referral_detail", "referral_id"
    ),
    "membership": TargetKind(
        "Membre de l'équipe", "operators.Membership", "operators:member_edit", "membership_id"
    ),
}


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def journal(
    operator,
    *,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    user=None,
    action: str = "",
    person_id: int | None = None,
) -> AccessLogEntryQuerySet:
    """The operator's entries, newest first, within the days `start`..`end` (in Paris time)."""
    entries = AccessLogEntry.objects.for_operator(operator)
    if start:
        entries = entries.filter(at__gte=_day_start(start))
    if end:
        entries = entries.filter(at__lt=_day_start(end + datetime.timedelta(days=1)))
    if user is not None:
        entries = entries.filter(user_id=user.pk)
    if action:
        entries = entries.filter(action=action)
    if person_id is not None:
        entries = entries.about_person(person_id)
    return entries.order_by("-at", "-id")


@dataclass(frozen=True)
class Target:
    label: str
    url: str  # empty when the object no longer exists


def targets(operator, entries) -> dict[int, Target]:
    """{entry id: its object's label and link} for the entries that name an object; the link only
    when the object still exists in the structure. One query per kind of object."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_type in TARGET_KINDS and entry.target_id is not None:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    existing = {
        kind: set(
            apps.get_model(TARGET_KINDS[kind].model)
            .objects.filter(operator=operator, pk__in=ids)
            .values_list("pk", flat=True)
        )
        for kind, ids in wanted.items()
    }
    found = {}
    for entry in entries:
        if entry.target_id is None:
            continue
        kind = TARGET_KINDS.get(entry.target_type)
        label = f"{kind.label if kind else entry.target_type} n° {entry.target_id}"
        url = ""
        if kind and entry.target_id in existing.get(entry.target_type, ()):
            url = reverse(kind.url_name, kwargs={kind.url_argument: entry.target_id})
        found[entry.pk] = Target(label, url)
    return found
