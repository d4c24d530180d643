"""A visit's history lines (`VisitChange`): each answer shown as a person reads it."""

from django.utils import timezone

from ..enums import VisitChangeKind
from ..models import Visit, VisitChange


def shown(visit: Visit, name: str) -> str:
    """The value of the visit's field `name` as the history shows it."""
    if name in ("topics", "partners_seen"):
        return ", ".join(sorted(str(item) for item in getattr(visit, name).all())) or "—"
    value = getattr(visit, name)
    if value is None or value == "":
        return "—"
    if name in ("arrived_at", "left_at"):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if name == "cyber_used":
        return "oui" if value else "non"
    if name == "person":
        return "fiche n° " + str(value.pk)
    field = Visit._meta.get_field(name)
    if field.choices:
        return str(getattr(visit, f"get_{name}_display")())
    return str(value)


def label(name: str) -> str:
    return str(Visit._meta.get_field(name).verbose_name)


def change(name: str, before: str, after: str, *, label_text: str | None = None) -> dict:
    """One changed answer of a history line."""
    return {name: {"label": label_text or label(name), "before": before, "after": after}}


def history_add(visit: Visit, kind: VisitChangeKind, user, changes: dict | None = None) -> None:
    VisitChange.objects.create(
        operator_id=visit.operator_id,
        visit=visit,
        kind=kind,
        changed_by=user,
        changes=changes or {},
    )


def histories_add(visits, kind: VisitChangeKind, user, changes: dict | None = None) -> None:
    """The same history line for each of `visits` (a batch recorded together), in one query."""
    now = timezone.now()
    VisitChange.objects.bulk_create(
        VisitChange(
            operator_id=visit.operator_id,
            visit=visit,
            kind=kind,
            changed_at=now,
            changed_by=user,
            changes=changes or {},
        )
        for visit in visits
    )
