"""Writes of the planning. Each one is declared `@planning_write` (atomic; the public copies of
the operator's planning refresh after the commit, see `revision.py`) and refuses bad input with a
French ValidationError (nothing saved)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from allervers.core.names import free_slug, name_key, name_taken, unique_name_saving
from allervers.core.versions import check_version
from allervers.operators.enums import Role
from allervers.operators.models import Membership, Operator
from allervers.partners.models import Partner

from .calendars import is_school_holiday, public_holiday_name
from .enums import CancelReason, DutyRole, StopEventKind, StopStatus
from .models import (
    PartnerPresence,
    SchedulePattern,
    Site,
    Space,
    StaffAssignment,
    Stop,
    StopEvent,
    Vehicle,
    stop_links,
)
from .queries import partners_without_address
from .revision import planning_write
from .signals import stop_changed_on_commit
from .tasks import stop_change_email

OVERLAP_MESSAGE = (
    "Le bus a déjà une permanence à ces heures ce jour-là : un véhicule ne peut pas être à deux "
    "endroits à la fois."
)
END_BEFORE_START_MESSAGE = "L'heure de fin doit être après l'heure de début."
ARCHIVED_VEHICLE_MESSAGE = "Ce véhicule est archivé : choisissez un véhicule en service."
ARCHIVED_SITE_MESSAGE = "Ce lieu est archivé : choisissez un lieu en service."
PAST_STOP_MESSAGE = "Cette permanence est passée : la présence ne peut plus être modifiée."
OTHER_ORGANISATION_MESSAGE = (
    "Vous ne pouvez déclarer ou retirer que la présence de votre organisation."
)
CANCELLED_STOP_MESSAGE = "Cette permanence est annulée."
NOT_CANCELLED_MESSAGE = "Cette permanence n'est pas annulée : il n'y a rien à rétablir."
RESTORE_PAST_MESSAGE = "Cette permanence est passée : elle ne peut plus être rétablie."
RESTORE_ARCHIVED_SITE_MESSAGE = (
    "Le lieu de cette permanence est archivé : remettez-le en service avant de la rétablir."
)
MOVE_CANCELLED_MESSAGE = (
    "Cette permanence a été annulée : elle ne peut plus être déplacée ni modifiée. "
    "Rechargez la page pour voir la dernière version."
)
ALREADY_CANCELLED_MESSAGE = "Cette permanence est déjà annulée."
PRESENCE_GONE_MESSAGE = "Ce partenaire n'est déjà plus prévu sur cette permanence."
ASSIGNMENT_GONE_MESSAGE = "Cette personne n'est déjà plus désignée sur cette permanence."


def overlap_message(other: Stop | None = None) -> str:
    if other is None:
        return OVERLAP_MESSAGE
    return (
        f"Le bus a déjà une permanence le {other.date:%d/%m/%Y} de {other.start_time:%H:%M} à "
        f"{other.end_time:%H:%M} ({other.site.name}) : un véhicule ne peut pas être à deux "
        "endroits à la fois."
    )


def _save_stop(stop: Stop) -> None:
    """Save, turning the database's overlap refusal into a French message (nothing saved)."""
    try:
        with transaction.atomic():
            stop.save()
    except IntegrityError as error:
        if "stop_overlap" in str(error):
            raise ValidationError(OVERLAP_MESSAGE, code="overlap") from error
        raise


def _check_slot(
    *,
    operator_id: int,
    vehicle: Vehicle,
    site: Site,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    exclude_id: int | None = None,
) -> None:
    if vehicle.operator_id != operator_id or site.operator_id != operator_id:
        raise ValidationError("Ce véhicule ou ce lieu n'appartient pas à votre structure.")
    if vehicle.is_archived:
        raise ValidationError(ARCHIVED_VEHICLE_MESSAGE, code="archived_vehicle")
    if site.is_archived:
        raise ValidationError(ARCHIVED_SITE_MESSAGE, code="archived_site")
    if end_time <= start_time:
        raise ValidationError(END_BEFORE_START_MESSAGE, code="end_before_start")
    other = (
        Stop.objects.overlapping(
            vehicle_id=vehicle.pk,
            date=date,
            start_time=start_time,
            end_time=end_time,
            exclude_id=exclude_id,
        )
        .order_by("start_time")
        .first()
    )
    if other is not None:
        raise ValidationError(overlap_message(other), code="overlap")


def _lock(stop: Stop) -> None:
    """Lock the stop's row until the end of the transaction and read it again from the
    database (every field of `stop`, whatever the caller loaded before, is replaced), so that
    two changes at once are applied one after the other and each checks the state the other
    left (PostgreSQL; SQLite serialises the writers on the file). Every change of a stop, of its
    presences and of its staff calls it first, then checks the state it acts on."""
    stop.refresh_from_db(from_queryset=Stop.objects.select_for_update())


def _changed(stop: Stop, by) -> None:
    """Count a change of the stop's row (its `version`) and who made it."""
    stop.version += 1
    stop.changed_by = by


def _record(stop: Stop, kind: StopEventKind, by, **fields) -> StopEvent:
    """Add a line to the stop's history, with the partners present that the e-mails cannot
    reach (no address): the stop's page lists them to the coordinator, to phone them."""
    not_told = "\n".join(
        f"{partner.name} — {partner.phone or 'pas de téléphone'}"
        for partner in partners_without_address(stop)
    )
    return StopEvent.objects.create(
        operator_id=stop.operator_id, stop=stop, kind=kind, by=by, not_told=not_told, **fields
    )


def _tell_everyone(event: StopEvent, previous: str) -> None:
    """After the commit, tell the people concerned by the change `event` records: e-mails to the
    partners and agents (a task) and the `stop_changed` signal to the other apps."""
    stop_changed_on_commit(event.stop, StopEventKind(event.kind), previous, at=event.at)
    stop_id, kind = event.stop_id, str(event.kind)
    transaction.on_commit(lambda: stop_change_email.enqueue(stop_id, kind, previous))


# Sites ---------------------------------------------------------------------------------------


@planning_write
def site_save(*, site: Site) -> Site:
    """Create or update a site; a new site gets a free slug from its name."""
    if not site.slug:
        siblings = Site.objects.filter(operator_id=site.operator_id).exclude(pk=site.pk)
        site.slug = free_slug(siblings, slugify(site.name)[:70] or "lieu")
    if (site.latitude is None) != (site.longitude is None):
        raise ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")
    site.save()
    return site


@planning_write
def site_archive(*, site: Site, archived: bool = True) -> Site:
    """Archive (or bring back) a site. A site is never deleted here: its stops keep it."""
    site.is_archived = archived
    site.save(update_fields=["is_archived"])
    return site


# Patterns ------------------------------------------------------------------------------------


@dataclass
class SkippedDate:
    date: datetime.date
    reason: str


@dataclass
class PatternPlan:
    """What generating a pattern would do (or did)."""

    to_create: list[datetime.date] = field(default_factory=list)
    existing: list[datetime.date] = field(default_factory=list)
    skipped: list[SkippedDate] = field(default_factory=list)


def _occurrences(pattern: SchedulePattern):
    offset = (pattern.weekday - pattern.valid_from.weekday()) % 7
    day = pattern.valid_from + datetime.timedelta(days=offset)
    while day <= pattern.valid_until:
        yield day
        day += datetime.timedelta(days=7)


def pattern_preview(*, pattern: SchedulePattern) -> PatternPlan:
    """The dates a pattern would create, and those it skips, with the reason (in French)."""
    plan = PatternPlan()
    already = set(Stop.objects.filter(pattern=pattern).values_list("pattern_date", flat=True))
    vehicle_stops: dict[datetime.date, list[tuple[datetime.time, datetime.time]]] = {}
    for day, start, end in (
        Stop.objects.held()
        .filter(
            vehicle_id=pattern.vehicle_id,
            date__gte=pattern.valid_from,
            date__lte=pattern.valid_until,
        )
        .values_list("date", "start_time", "end_time")
    ):
        vehicle_stops.setdefault(day, []).append((start, end))
    for day in _occurrences(pattern):
        if day in already:
            plan.existing.append(day)
            continue
        holiday = public_holiday_name(day)
        if holiday:
            plan.skipped.append(SkippedDate(day, f"jour férié ({holiday})"))
            continue
        if pattern.skip_school_holidays and is_school_holiday(day, pattern.school_zone):
            plan.skipped.append(SkippedDate(day, "vacances scolaires"))
            continue
        if any(
            start < pattern.end_time and pattern.start_time < end
            for start, end in vehicle_stops.get(day, [])
        ):
            plan.skipped.append(SkippedDate(day, "le bus a déjà une permanence à ces heures"))
            continue
        plan.to_create.append(day)
    return plan


@planning_write
def pattern_save(*, pattern: SchedulePattern) -> SchedulePattern:
    """Create or update a pattern. Stops it already created stay as they are."""
    if pattern.end_time <= pattern.start_time:
        raise ValidationError(END_BEFORE_START_MESSAGE)
    if pattern.valid_until < pattern.valid_from:
        raise ValidationError("La fin de la période doit être après son début.")
    if pattern.site.is_archived:
        raise ValidationError(ARCHIVED_SITE_MESSAGE)
    pattern.save()
    return pattern


@planning_write
def pattern_generate(*, pattern: SchedulePattern) -> PatternPlan:
    """Create the missing stops of a pattern. Never edits or deletes a stop: running it twice
    changes nothing, and edited, moved or cancelled stops are left as they are."""
    if pattern.site.is_archived:
        raise ValidationError(ARCHIVED_SITE_MESSAGE)
    plan = pattern_preview(pattern=pattern)
    try:
        with transaction.atomic():
            Stop.objects.bulk_create(
                [
                    Stop(
                        operator_id=pattern.operator_id,
                        vehicle_id=pattern.vehicle_id,
                        site_id=pattern.site_id,
                        date=day,
                        start_time=pattern.start_time,
                        end_time=pattern.end_time,
                        pattern=pattern,
                        pattern_date=day,
                    )
                    for day in plan.to_create
                ]
            )
    except IntegrityError as error:  # a stop created meanwhile by someone else
        raise ValidationError(
            "Le planning a changé pendant la génération : rien n'a été créé, réessayez."
        ) from error
    return plan


# Deleting a pattern: its untouched future stops go, every other stop stays, detached.

# Why a stop of a deleted pattern is kept, by reverse relation of Stop; the relations of other
# apps (visits, cyber@atelier use, later bookings) are named by their model's verbose name.
LINK_REASONS = {
    "presences": "partenaires prévus",
    "staff_assignments": "agents désignés",
    "events": "historique de changements",
}


@dataclass
class KeptStop:
    stop: Stop
    reasons: list[str]


@dataclass
class PatternDeletePlan:
    """What deleting a pattern would do: the stops deleted, the stops kept (and why)."""

    to_delete: list[Stop] = field(default_factory=list)
    to_keep: list[KeptStop] = field(default_factory=list)


def _kept_reasons(stop: Stop, today: datetime.date) -> list[str]:
    """Why `stop` (annotated by `with_links()`) must outlive its pattern; empty if it need not."""
    reasons = []
    if stop.date < today:
        reasons.append("passée")
    elif stop.date == today:
        reasons.append("aujourd'hui")
    if stop.is_cancelled:
        reasons.append("annulée")
    elif stop.is_edited or stop.moved_at:
        reasons.append("modifiée ou déplacée")
    used = []
    for name, relation in stop_links():
        if not getattr(stop, f"linked_{name}"):
            continue
        if name in LINK_REASONS:
            if name != "events" or not (stop.is_cancelled or stop.is_edited):
                reasons.append(LINK_REASONS[name])
        else:
            used.append(str(relation.related_model._meta.verbose_name))
    if used:
        reasons.append(f"déjà utilisée ({', '.join(used)})")
    return reasons


def pattern_delete_preview(*, pattern: SchedulePattern) -> PatternDeletePlan:
    """Which stops of the pattern deleting it would remove (future, untouched: never edited,
    moved or cancelled, nothing attached) and which it keeps, detached, with the reasons."""
    today = timezone.localdate()
    plan = PatternDeletePlan()
    stops = (
        Stop.objects.filter(pattern=pattern)
        .with_links()
        .select_related("site")
        .order_by("date", "start_time")
    )
    for stop in stops:
        reasons = _kept_reasons(stop, today)
        if reasons:
            plan.to_keep.append(KeptStop(stop, reasons))
        else:
            plan.to_delete.append(stop)
    return plan


@dataclass
class PatternDeleteResult:
    deleted: int
    detached: int


@planning_write
def pattern_delete(*, pattern: SchedulePattern) -> PatternDeleteResult:
    """Delete a pattern with its untouched future stops; every other stop of it is kept, with
    no pattern (its history, presences, staff and visits stay). A stop that gets a visit or a
    presence meanwhile is kept too: the selection is made again here, rows locked."""
    today = timezone.localdate()
    doomed = list(
        Stop.objects.filter(pattern=pattern, date__gt=today)
        .untouched()
        .select_for_update(of=("self",))
        .values_list("pk", flat=True)
    )
    detached = Stop.objects.filter(pattern=pattern).exclude(pk__in=doomed).count()
    try:
        with transaction.atomic():
            Stop.objects.filter(pk__in=doomed).delete()
            pattern.delete()
    except IntegrityError as error:  # ProtectedError: a visit recorded on a stop meanwhile
        raise ValidationError(
            "Le planning a changé pendant la suppression : rien n'a été supprimé, réessayez."
        ) from error
    return PatternDeleteResult(deleted=len(doomed), detached=detached)


# Stops ---------------------------------------------------------------------------------------


@planning_write
def stop_create_one_off(
    *,
    operator: Operator,
    vehicle: Vehicle,
    site: Site,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    title: str = "",
) -> Stop:
    """A stop outside any pattern: an evening slot, a festival."""
    _check_slot(
        operator_id=operator.pk,
        vehicle=vehicle,
        site=site,
        date=date,
        start_time=start_time,
        end_time=end_time,
    )
    stop = Stop(
        operator=operator,
        vehicle=vehicle,
        site=site,
        date=date,
        start_time=start_time,
        end_time=end_time,
        title=title,
    )
    _save_stop(stop)
    return stop


@planning_write
def stop_move(
    *,
    stop: Stop,
    site: Site,
    date: datetime.date,
    start_time: datetime.time,
    end_time: datetime.time,
    title: str | None = None,
    by,
    version: int | None = None,
) -> Stop:
    """Move a stop to another site, date or hours (or change its title); the people concerned
    are told. `version`: the stop's version the form showed; refused if it changed since
    (a cancellation made meanwhile always wins: the move is refused, nothing saved)."""
    _lock(stop)
    if stop.is_cancelled:
        raise ValidationError(MOVE_CANCELLED_MESSAGE, code="cancelled")
    check_version(shown=version, current=stop.version, changed_by=stop.changed_by)
    _check_slot(
        operator_id=stop.operator_id,
        vehicle=stop.vehicle,
        site=site,
        date=date,
        start_time=start_time,
        end_time=end_time,
        exclude_id=stop.pk,
    )
    if title is not None:
        stop.title = title
    moved = (site.pk, date, start_time, end_time) != (
        stop.site_id,
        stop.date,
        stop.start_time,
        stop.end_time,
    )
    previous = stop.slot_label
    stop.site, stop.date, stop.start_time, stop.end_time = site, date, start_time, end_time
    stop.is_edited = True
    _changed(stop, by)
    if moved:
        stop.moved_at = timezone.now()
        stop.moved_from = previous
        stop.moved_by = by
    _save_stop(stop)
    if moved:
        event = _record(stop, StopEventKind.MOVED, by, at=stop.moved_at, previous=previous)
        _tell_everyone(event, previous)
    return stop


@planning_write
def stop_cancel(*, stop: Stop, reason: str, note: str = "", by) -> Stop:
    """Cancel a stop with its reason, recording who and when; the people concerned are told."""
    _lock(stop)
    if stop.is_cancelled:
        raise ValidationError(ALREADY_CANCELLED_MESSAGE, code="already_cancelled")
    if reason not in CancelReason.values:
        raise ValidationError("Choisissez un motif d'annulation.")
    note = note.strip()
    if reason == CancelReason.OTHER and not note:
        raise ValidationError("Précisez le motif quand vous choisissez « Autre raison ».")
    stop.status = StopStatus.CANCELLED
    stop.cancel_reason = reason
    stop.cancel_note = note
    stop.cancelled_at = timezone.now()
    stop.cancelled_by = by
    stop.is_edited = True
    _changed(stop, by)
    _save_stop(stop)
    event = _record(
        stop,
        StopEventKind.CANCELLED,
        by,
        at=stop.cancelled_at,
        cancel_reason=reason,
        note=note,
    )
    _tell_everyone(event, stop.slot_label)
    return stop


@planning_write
def stop_restore(*, stop: Stop, by) -> Stop:
    """Hold a cancelled stop after all (the breakdown was repaired, the storm went elsewhere).

    Refused for a past stop, on an archived site, or where the vehicle has meanwhile been given
    another stop at those hours (the form check, then the database trigger). The cancellation
    stays in the stop's history; the partners and agents still planned on it are told."""
    _lock(stop)
    if not stop.is_cancelled:
        raise ValidationError(NOT_CANCELLED_MESSAGE, code="not_cancelled")
    if stop.date < timezone.localdate():
        raise ValidationError(RESTORE_PAST_MESSAGE, code="past_stop")
    if stop.site.is_archived:
        raise ValidationError(RESTORE_ARCHIVED_SITE_MESSAGE, code="archived_site")
    _check_slot(
        operator_id=stop.operator_id,
        vehicle=stop.vehicle,
        site=stop.site,
        date=stop.date,
        start_time=stop.start_time,
        end_time=stop.end_time,
        exclude_id=stop.pk,
    )
    if not stop.events.filter(kind=StopEventKind.CANCELLED).exists():
        # Cancelled without leaving a history line (written directly, as the demo does): keep
        # the cancellation in the history before its fields are cleared.
        _record(
            stop,
            StopEventKind.CANCELLED,
            stop.cancelled_by,
            at=stop.cancelled_at or stop.updated_at,
            cancel_reason=stop.cancel_reason,
            note=stop.cancel_note,
        )
    stop.status = StopStatus.HELD
    stop.cancel_reason = ""
    stop.cancel_note = ""
    stop.cancelled_at = None
    stop.cancelled_by = None
    _changed(stop, by)
    _save_stop(stop)
    _tell_everyone(_record(stop, StopEventKind.RESTORED, by), stop.slot_label)
    return stop


# Partner rota --------------------------------------------------------------------------------


def _check_partner_may_act(*, stop: Stop, partner: Partner, acting: Membership) -> None:
    if acting.role == Role.PARTNER:
        if partner.pk != acting.partner_id:
            raise ValidationError(OTHER_ORGANISATION_MESSAGE, code="other_organisation")
        if stop.date < timezone.localdate():
            raise ValidationError(PAST_STOP_MESSAGE, code="past_stop")
    elif acting.role != Role.COORDINATOR:
        raise ValidationError("Votre rôle ne permet pas de modifier la présence des partenaires.")


@planning_write
def presence_declare(
    *,
    stop: Stop,
    partner: Partner,
    acting: Membership,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
) -> PartnerPresence:
    """A coordinator assigns a partner to a stop, or a partner declares its own presence."""
    _lock(stop)
    if partner.operator_id != stop.operator_id or acting.operator_id != stop.operator_id:
        raise ValidationError("Ce partenaire n'appartient pas à votre structure.")
    _check_partner_may_act(stop=stop, partner=partner, acting=acting)
    if stop.is_cancelled:
        raise ValidationError(CANCELLED_STOP_MESSAGE)
    if partner.is_archived:
        raise ValidationError("Ce partenaire est archivé.")
    if (start_time and end_time) and end_time <= start_time:
        raise ValidationError(END_BEFORE_START_MESSAGE)
    for moment in (start_time, end_time):
        if moment and not (stop.start_time <= moment <= stop.end_time):
            raise ValidationError(
                f"Les heures de présence doivent être comprises entre "
                f"{stop.start_time:%H:%M} et {stop.end_time:%H:%M}."
            )
    if stop.presences.filter(partner=partner).exists():
        raise ValidationError(f"{partner.name} est déjà prévu sur cette permanence.")
    presence = PartnerPresence.objects.create(
        operator_id=stop.operator_id,
        stop=stop,
        partner=partner,
        start_time=start_time,
        end_time=end_time,
    )
    return presence


@planning_write
def presence_withdraw(*, presence: PartnerPresence, acting: Membership) -> None:
    if acting.operator_id != presence.operator_id:
        raise ValidationError("Ce partenaire n'appartient pas à votre structure.")
    stop = Stop(pk=presence.stop_id)
    _lock(stop)
    presence = PartnerPresence.objects.select_related("partner").filter(pk=presence.pk).first()
    if presence is None:
        raise ValidationError(PRESENCE_GONE_MESSAGE, code="gone")
    _check_partner_may_act(stop=stop, partner=presence.partner, acting=acting)
    presence.delete()


# Staff rota ----------------------------------------------------------------------------------


@planning_write
def staff_assign(*, stop: Stop, user, duty_role: str) -> StaffAssignment:
    _lock(stop)
    if duty_role not in DutyRole.values:
        raise ValidationError("Choisissez une mission.")
    if not Membership.objects.filter(
        operator_id=stop.operator_id,
        user=user,
        is_active=True,
        role__in=[Role.AGENT, Role.COORDINATOR],
    ).exists():
        raise ValidationError("Seul un agent ou un membre de la coordination peut être désigné.")
    if stop.staff_assignments.filter(user=user).exists():
        raise ValidationError("Cette personne est déjà désignée sur cette permanence.")
    return StaffAssignment.objects.create(
        operator_id=stop.operator_id, stop=stop, user=user, duty_role=duty_role
    )


@planning_write
def staff_unassign(*, assignment: StaffAssignment) -> None:
    _lock(Stop(pk=assignment.stop_id))
    deleted, _ = StaffAssignment.objects.filter(pk=assignment.pk).delete()
    if not deleted:
        raise ValidationError(ASSIGNMENT_GONE_MESSAGE, code="gone")


# Vehicles and their spaces -------------------------------------------------------------------

MAX_SPACE_CAPACITY = 200


@dataclass
class SpaceSpec:
    """What the form says of one kind of space of a vehicle: no name and no places, none."""

    kind: str
    name: str
    capacity: int | None


def _check_vehicle_names(vehicle: Vehicle, specs: list[SpaceSpec]) -> None:
    others = Vehicle.objects.filter(operator_id=vehicle.operator_id).exclude(pk=vehicle.pk)
    if name_taken(others.values_list("name", flat=True), vehicle.name):
        raise ValidationError(
            f"Un véhicule s'appelle déjà « {vehicle.name} » : choisissez un autre nom.",
            code="duplicate_vehicle",
        )
    keys = [name_key(spec.name) for spec in specs]
    if len(set(keys)) != len(keys):
        raise ValidationError(
            "Deux espaces du véhicule portent le même nom : donnez-leur des noms différents.",
            code="duplicate_space",
        )
    other_spaces = list(
        Space.objects.filter(operator_id=vehicle.operator_id)
        .exclude(vehicle_id=vehicle.pk)
        .values_list("name", flat=True)
    )
    for spec in specs:
        clash = name_taken(other_spaces, spec.name)
        if clash:
            raise ValidationError(
                f"Un espace d'un autre véhicule s'appelle déjà « {clash} » : "
                "les noms d'espaces sont uniques dans la structure.",
                code="duplicate_space",
            )


@planning_write
def vehicle_save(*, vehicle: Vehicle, spaces: list[SpaceSpec]) -> Vehicle:
    """Create or update a vehicle and its spaces (one per kind; a kind given with no name and
    no places is removed, a kind not given is left as it is).

    Refused, with nothing saved: a name or a space name already used in the structure, a
    number of places out of 1–200."""
    specs = [spec for spec in spaces if spec.name.strip() or spec.capacity is not None]
    for spec in specs:
        if not spec.name.strip():
            raise ValidationError("Donnez un nom à chaque espace qui a des places.")
        if spec.capacity is None or not 1 <= spec.capacity <= MAX_SPACE_CAPACITY:
            raise ValidationError(
                f"« {spec.name} » : indiquez un nombre de places entre 1 et {MAX_SPACE_CAPACITY}.",
                code="capacity",
            )
    if len({spec.kind for spec in specs}) != len(specs):
        raise ValidationError("Un véhicule a au plus un espace de chaque type.")
    vehicle.name = vehicle.name.strip()
    if not vehicle.name:
        raise ValidationError("Indiquez le nom du véhicule.")
    if vehicle.pk:
        Vehicle.objects.select_for_update().filter(pk=vehicle.pk).first()
    _check_vehicle_names(vehicle, specs)
    vehicle.full_clean(exclude=["operator"], validate_constraints=False)
    taken = "Un véhicule ou un espace de ce nom vient d'être enregistré : choisissez un autre nom."
    with unique_name_saving(taken, code="duplicate_vehicle"):
        vehicle.save()
        emptied = {spec.kind for spec in spaces} - {spec.kind for spec in specs}
        Space.objects.filter(vehicle=vehicle, kind__in=emptied).delete()
        for spec in specs:
            Space.objects.update_or_create(
                operator_id=vehicle.operator_id,
                vehicle=vehicle,
                kind=spec.kind,
                defaults={"name": spec.name.strip(), "capacity": spec.capacity},
            )
    return vehicle


@planning_write
def vehicle_archive(*, vehicle: Vehicle, archived: bool = True) -> Vehicle:
    """Archive a vehicle (or bring it back): it leaves the forms, its past stops keep it.
    Refused while it still has stops to come or a pattern running."""
    vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
    if archived:
        today = timezone.localdate()
        coming = vehicle.stops.held().filter(date__gte=today).count()
        if coming:
            raise ValidationError(
                f"Ce véhicule a encore {coming} permanence{'s' if coming > 1 else ''} à venir : "
                "annulez-les ou confiez-les à un autre véhicule avant de l'archiver.",
                code="future_stops",
            )
        if SchedulePattern.objects.filter(vehicle=vehicle, valid_until__gte=today).exists():
            raise ValidationError(
                "Un planning type en cours utilise ce véhicule : terminez-le ou changez son "
                "véhicule avant d'archiver celui-ci.",
                code="running_pattern",
            )
    vehicle.is_archived = archived
    vehicle.save(update_fields=["is_archived"])
    return vehicle
