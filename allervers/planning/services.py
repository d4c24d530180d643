"""Writes of the planning. Each one is declared `@stamps_public_revision` (atomic; the public
copies of the operator's planning refresh after the commit, see `core/revision.py`) and refuses bad
input with a French ValidationError (nothing saved)."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from allervers.core.names import free_slug, name_key, name_taken, unique_name_saving
from allervers.core.revision import stamps_public_revision
from allervers.core.roles import Role
from allervers.core.versions import check_version
from allervers.operators.models import Membership, Operator
from allervers.partners.models import Partner

from .calendars import is_school_holiday, public_holiday_name
from .enums import CancelReason, DutyRole, StopEventKind, StopStatus
from .models import (
    PartnerPresence,
    RotaAbsence,
    RotaLine,
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
from .signals import (
    rota_presences_with_appointments,
    stop_change_hooks_run,
    stop_changed_on_commit,
)
from .tasks import rota_declared_email, stop_change_email

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
    """The other apps follow the change `event` records, in this transaction (the stop change
    hooks: bookings); after the commit, the people concerned are told: e-mails to the partners
    and agents (a task) and the `stop_changed` signal to the other apps."""
    # The signal first among the after-commit work: its listeners hear this change as soon as
    # it commits, before the hooks' messages are queued (a hook that raises discards it too).
    stop_changed_on_commit(event.stop, StopEventKind(event.kind), previous, at=event.at)
    stop_change_hooks_run(event.stop, event)
    stop_id, kind = event.stop_id, str(event.kind)
    transaction.on_commit(lambda: stop_change_email.enqueue(stop_id, kind, previous))


# Sites ---------------------------------------------------------------------------------------


@stamps_public_revision
def site_save(*, site: Site) -> Site:
    """Create or update a site; a new site gets a free slug from its name."""
    if not site.slug:
        siblings = Site.objects.filter(operator_id=site.operator_id).exclude(pk=site.pk)
        site.slug = free_slug(siblings, slugify(site.name)[:70] or "lieu")
    if (site.latitude is None) != (site.longitude is None):
        raise ValidationError("Indiquez la latitude et la longitude, ou aucune des deux.")
    site.save()
    return site


@stamps_public_revision
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
    # Dates before today: never created unless asked explicitly (a history entry).
    past: list[datetime.date] = field(default_factory=list)


def _occurrences(pattern: SchedulePattern):
    offset = (pattern.weekday - pattern.valid_from.weekday()) % 7
    day = pattern.valid_from + datetime.timedelta(days=offset)
    while day <= pattern.valid_until:
        yield day
        day += datetime.timedelta(days=7)


def pattern_preview(*, pattern: SchedulePattern) -> PatternPlan:
    """The dates a pattern would create, and those it skips, with the reason (in French). Dates
    before today go apart (`past`): generation leaves them out unless asked."""
    plan = PatternPlan()
    today = timezone.localdate()
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
        (plan.past if day < today else plan.to_create).append(day)
    return plan


@stamps_public_revision
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


@stamps_public_revision
def pattern_generate(
    *, pattern: SchedulePattern, include_past: bool = False, by=None
) -> PatternPlan:
    """Create the missing stops of a pattern, with its rota on those from today on. Never edits
    or deletes a stop: running it twice changes nothing, and edited, moved or cancelled stops
    are left as they are. Dates before today are created only with `include_past` (a history
    entry), and get no rota (the rota only plans what is to come)."""
    if pattern.site.is_archived:
        raise ValidationError(ARCHIVED_SITE_MESSAGE)
    plan = pattern_preview(pattern=pattern)
    days = plan.to_create + (plan.past if include_past else [])
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
                    for day in sorted(days)
                ]
            )
    except IntegrityError as error:  # a stop created meanwhile by someone else
        raise ValidationError(
            "Le planning a changé pendant la génération : rien n'a été créé, réessayez."
        ) from error
    if plan.to_create and pattern.rota_lines.exists():
        _rota_apply(pattern, by=by, dates=set(plan.to_create))
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


@stamps_public_revision
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


@stamps_public_revision
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


@stamps_public_revision
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
    before = (stop.site_id, stop.date, stop.start_time, stop.end_time)
    moved = (site.pk, date, start_time, end_time) != before
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
        event = _record(
            stop,
            StopEventKind.MOVED,
            by,
            at=stop.moved_at,
            previous=previous,
            previous_site_id=before[0],
            previous_date=before[1],
            previous_start_time=before[2],
            previous_end_time=before[3],
        )
        _tell_everyone(event, previous)
    return stop


@stamps_public_revision
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


@stamps_public_revision
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


@stamps_public_revision
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


@stamps_public_revision
def presence_withdraw(*, presence: PartnerPresence, acting: Membership) -> None:
    if acting.operator_id != presence.operator_id:
        raise ValidationError("Ce partenaire n'appartient pas à votre structure.")
    stop = Stop(pk=presence.stop_id)
    _lock(stop)
    presence = PartnerPresence.objects.select_related("partner").filter(pk=presence.pk).first()
    if presence is None:
        raise ValidationError(PRESENCE_GONE_MESSAGE, code="gone")
    _check_partner_may_act(stop=stop, partner=presence.partner, acting=acting)
    _mark_absent(presence, by=acting.user)
    presence.delete()


def _mark_absent(row: PartnerPresence | StaffAssignment, *, by) -> None:
    """A person of the pattern's rota taken off one stop by hand: « absent ce jour-là », so
    that applying the rota again never puts them back on it."""
    if row.rota_line_id is not None:
        RotaAbsence.objects.get_or_create(
            operator_id=row.operator_id,
            stop_id=row.stop_id,
            line_id=row.rota_line_id,
            defaults={"created_by": by},
        )


# Staff rota ----------------------------------------------------------------------------------


@stamps_public_revision
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


@stamps_public_revision
def staff_unassign(*, assignment: StaffAssignment, by=None) -> None:
    _lock(Stop(pk=assignment.stop_id))
    assignment = StaffAssignment.objects.filter(pk=assignment.pk).first()
    if assignment is None:
        raise ValidationError(ASSIGNMENT_GONE_MESSAGE, code="gone")
    _mark_absent(assignment, by=by)
    assignment.delete()


# A pattern's rota ----------------------------------------------------------------------------
# Who comes with a weekly pattern (`RotaLine`: a partner with its hours and whether it takes
# appointments, or an agent with a mission), applied to the pattern's stops from today on.
# What was set on one stop by hand is an exception the rota never overrides: a presence or an
# agent added by hand (no `rota_line`), a person of the rota removed from one stop (a
# `RotaAbsence`, « absent ce jour-là »). A stop already used by another app (visits, openings,
# workshops…) keeps its partners' hours as they are.

ROTA_ARCHIVED_PARTNER_MESSAGE = "Ce partenaire est archivé : il ne peut plus être prévu."
ROTA_AGENT_ROLE_MESSAGE = "Seul un agent ou un membre de la coordination peut être désigné."


def _hours_of(line: RotaLine, pattern: SchedulePattern) -> tuple[datetime.time, datetime.time]:
    return line.start_time or pattern.start_time, line.end_time or pattern.end_time


def _check_rota_line(line: RotaLine) -> None:
    pattern = line.pattern
    if pattern.operator_id != line.operator_id:
        raise ValidationError("Ce rythme n'appartient pas à votre structure.")
    if (line.partner_id is None) == (line.user_id is None):
        raise ValidationError("Choisissez un partenaire ou un agent.")
    if line.partner_id is not None:
        partner = line.partner
        if partner.operator_id != line.operator_id:
            raise ValidationError("Ce partenaire n'appartient pas à votre structure.")
        if partner.is_archived:
            raise ValidationError(ROTA_ARCHIVED_PARTNER_MESSAGE, code="archived_partner")
        line.duty_role = ""
    else:
        if not Membership.objects.filter(
            operator_id=line.operator_id,
            user_id=line.user_id,
            is_active=True,
            role__in=[Role.AGENT, Role.COORDINATOR],
        ).exists():
            raise ValidationError(ROTA_AGENT_ROLE_MESSAGE, code="agent_role")
        if line.duty_role not in DutyRole.values:
            raise ValidationError("Choisissez une mission.")
        line.with_appointments = False
        line.start_time = line.end_time = None
    for moment in (line.start_time, line.end_time):
        if moment and not (pattern.start_time <= moment <= pattern.end_time):
            raise ValidationError(
                f"Les heures de présence doivent être comprises entre "
                f"{pattern.start_time:%H:%M} et {pattern.end_time:%H:%M}, celles du rythme.",
                code="hours_outside",
            )
    start, end = _hours_of(line, pattern)
    if end <= start:
        raise ValidationError(END_BEFORE_START_MESSAGE, code="end_before_start")
    person = {"partner_id": line.partner_id} if line.partner_id else {"user_id": line.user_id}
    same = RotaLine.objects.filter(operator_id=line.operator_id, **person).exclude(pk=line.pk)
    if same.filter(pattern=pattern).exists():
        raise ValidationError(
            f"{line.who} est déjà dans l'équipe de ce rythme.", code="duplicate_line"
        )
    for other in same.filter(
        pattern__weekday=pattern.weekday,
        pattern__valid_from__lte=pattern.valid_until,
        pattern__valid_until__gte=pattern.valid_from,
    ).select_related("pattern"):
        other_start, other_end = _hours_of(other, other.pattern)
        if other_start < end and start < other_end:
            raise ValidationError(
                f"{line.who} est déjà prévu le {pattern.get_weekday_display()} de "
                f"{other_start:%H:%M} à {other_end:%H:%M} avec le rythme « {other.pattern} » "
                "sur la même période : une personne ne peut pas être à deux endroits à la fois.",
                code="overlapping_line",
            )


@stamps_public_revision
def rota_line_save(*, line: RotaLine) -> RotaLine:
    """Add a person to a pattern's rota, or change their line (hours, mission, appointments).
    The stops change only when the rota is applied (`rota_apply`, after its preview)."""
    SchedulePattern.objects.select_for_update().filter(pk=line.pattern_id).first()
    _save_line(line)
    return line


def _save_line(line: RotaLine) -> None:
    _check_rota_line(line)
    try:
        with transaction.atomic():
            line.save()
    except IntegrityError as error:  # the same person added meanwhile
        raise ValidationError(
            f"{line.who} est déjà dans l'équipe de ce rythme.", code="duplicate_line"
        ) from error


@dataclass
class RotaStopChange:
    stop: Stop
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


@dataclass
class RotaKept:
    """Something on one stop that the rota leaves as it is, and why."""

    stop: Stop
    text: str


@dataclass
class RotaPlan:
    """What applying a pattern's rota would do (or did) to its stops from today on."""

    changes: list[RotaStopChange] = field(default_factory=list)
    kept: list[RotaKept] = field(default_factory=list)
    past: int = 0
    # Set by the write: the presences to open appointments on, the rows to delete.
    _to_create_presences: list = field(default_factory=list, repr=False)
    _to_create_assignments: list = field(default_factory=list, repr=False)
    _to_update_presences: list = field(default_factory=list, repr=False)
    _to_update_assignments: list = field(default_factory=list, repr=False)
    _to_delete_presences: list = field(default_factory=list, repr=False)
    _to_delete_assignments: list = field(default_factory=list, repr=False)

    @property
    def stops_changed(self) -> int:
        return len(self.changes)


def _other_app_links() -> list[str]:
    return [
        name
        for name, relation in stop_links()
        if relation.related_model._meta.app_label != "planning"
    ]


def _used_reason(stop: Stop) -> str:
    used = [
        str(relation.related_model._meta.verbose_name)
        for name, relation in stop_links()
        if relation.related_model._meta.app_label != "planning" and getattr(stop, f"linked_{name}")
    ]
    return ", ".join(used)


def _rota_stops(pattern: SchedulePattern, *, dates: set | None = None, include_past=False):
    """The pattern's held stops from today on (only on `dates` when given; the past ones too
    with `include_past`)."""
    stops = Stop.objects.filter(pattern=pattern).held()
    if not include_past:
        stops = stops.filter(date__gte=timezone.localdate())
    if dates is not None:
        stops = stops.filter(date__in=dates)
    return stops


def _locked(stops) -> list[int]:
    return list(stops.select_for_update().values_list("pk", flat=True))


def _rota_plan(pattern: SchedulePattern, stops, *, removing: RotaLine | None = None) -> RotaPlan:
    today = timezone.localdate()
    # Removing one line plans only its removal; otherwise every line is applied.
    lines = (
        [] if removing else list(RotaLine.objects.filter(pattern=pattern).approved().with_people())
    )
    plan = RotaPlan(past=Stop.objects.filter(pattern=pattern, date__lt=today).count())
    other_links = _other_app_links()
    for stop in (
        stops.with_links()
        .select_related("site")
        .prefetch_related("presences", "staff_assignments", "rota_absences")
        .order_by("date", "start_time")
    ):
        in_use = any(getattr(stop, f"linked_{name}") for name in other_links)
        change = RotaStopChange(stop)
        absent = {absence.line_id for absence in stop.rota_absences.all()}
        presences = {presence.partner_id: presence for presence in stop.presences.all()}
        assignments = {a.user_id: a for a in stop.staff_assignments.all()}
        for line in lines:
            if line.pk in absent:
                plan.kept.append(RotaKept(stop, f"{line.who} : absent ce jour-là"))
                continue
            if line.partner_id:
                start, end = line.start_time, line.end_time
                presence = presences.get(line.partner_id)
                if presence is None:
                    plan._to_create_presences.append(
                        PartnerPresence(
                            operator_id=stop.operator_id,
                            stop=stop,
                            partner=line.partner,
                            start_time=start,
                            end_time=end,
                            rota_line=line,
                        )
                    )
                    change.added.append(line.who)
                elif presence.rota_line_id is None:
                    plan.kept.append(RotaKept(stop, f"{line.who} : prévu à la main sur ce jour"))
                elif (presence.start_time, presence.end_time) != (start, end):
                    if in_use:
                        plan.kept.append(
                            RotaKept(
                                stop,
                                f"{line.who} : heures gardées, la permanence est déjà "
                                f"utilisée ({_used_reason(stop)})",
                            )
                        )
                    else:
                        presence.start_time, presence.end_time = start, end
                        plan._to_update_presences.append(presence)
                        change.changed.append(f"{line.who} ({line.hours_label})")
            else:
                assignment = assignments.get(line.user_id)
                if assignment is None:
                    plan._to_create_assignments.append(
                        StaffAssignment(
                            operator_id=stop.operator_id,
                            stop=stop,
                            user=line.user,
                            duty_role=line.duty_role,
                            rota_line=line,
                        )
                    )
                    change.added.append(line.who)
                elif assignment.rota_line_id is None:
                    plan.kept.append(RotaKept(stop, f"{line.who} : désigné à la main sur ce jour"))
                elif assignment.duty_role != line.duty_role:
                    assignment.duty_role = line.duty_role
                    plan._to_update_assignments.append(assignment)
                    change.changed.append(f"{line.who} ({line.get_duty_role_display()})")
        if removing is not None:
            if removing.partner_id:
                presence = presences.get(removing.partner_id)
                if presence is not None and presence.rota_line_id == removing.pk:
                    if in_use:
                        plan.kept.append(
                            RotaKept(
                                stop,
                                f"{removing.who} : gardé, la permanence est déjà utilisée "
                                f"({_used_reason(stop)})",
                            )
                        )
                    else:
                        plan._to_delete_presences.append(presence.pk)
                        change.removed.append(removing.who)
            else:
                assignment = assignments.get(removing.user_id)
                if assignment is not None and assignment.rota_line_id == removing.pk:
                    plan._to_delete_assignments.append(assignment.pk)
                    change.removed.append(removing.who)
        if change.added or change.changed or change.removed:
            plan.changes.append(change)
    return plan


def rota_preview(*, pattern: SchedulePattern, removing: RotaLine | None = None) -> RotaPlan:
    """What applying the pattern's rota would change on its stops from today on (or removing
    `removing` from it), and the exceptions set by hand that it keeps."""
    return _rota_plan(pattern, _rota_stops(pattern), removing=removing)


def _rota_write(plan: RotaPlan) -> None:
    PartnerPresence.objects.bulk_create(plan._to_create_presences)
    StaffAssignment.objects.bulk_create(plan._to_create_assignments)
    PartnerPresence.objects.bulk_update(plan._to_update_presences, ["start_time", "end_time"])
    StaffAssignment.objects.bulk_update(plan._to_update_assignments, ["duty_role"])
    PartnerPresence.objects.filter(pk__in=plan._to_delete_presences).delete()
    StaffAssignment.objects.filter(pk__in=plan._to_delete_assignments).delete()


def _open_rota_appointments(pattern: SchedulePattern, *, by, dates: set | None = None) -> None:
    """Ask the receivers (bookings) to open the appointments of the rota's partners who take
    them, on the pattern's held stops from today on; inside the transaction."""
    presences = PartnerPresence.objects.filter(
        stop__pattern=pattern,
        stop__date__gte=timezone.localdate(),
        stop__status=StopStatus.HELD,
        rota_line__pattern=pattern,
        rota_line__with_appointments=True,
    )
    if dates is not None:
        presences = presences.filter(stop__date__in=dates)
    presence_ids = list(presences.order_by("stop__date").values_list("pk", flat=True))
    if presence_ids:
        rota_presences_with_appointments.send(
            sender=PartnerPresence,
            operator_id=pattern.operator_id,
            presence_ids=presence_ids,
            by=by,
        )


def _rota_apply(
    pattern: SchedulePattern, *, by, dates: set | None = None, include_past: bool = False
) -> RotaPlan:
    stops = Stop.objects.filter(
        pk__in=_locked(_rota_stops(pattern, dates=dates, include_past=include_past))
    )
    plan = _rota_plan(pattern, stops)
    _rota_write(plan)
    _open_rota_appointments(pattern, by=by, dates=dates)
    return plan


@stamps_public_revision
def rota_apply(*, pattern: SchedulePattern, by=None, include_past: bool = False) -> RotaPlan:
    """Give the pattern's stops from today on the people of its rota: add who is missing,
    update hours and missions that changed, keep every exception set by hand (an absence, a
    presence or an agent added on the stop), leave past stops as they are, and open the
    appointments of partners who take them (bookings). The stops are locked while it runs.
    `include_past` writes the rota on the past held stops too: a history entry asked for
    explicitly (the demo's past year, made as its coordinator would have made it then); no
    screen offers it, and past stops get no appointment openings."""
    SchedulePattern.objects.select_for_update().filter(pk=pattern.pk).first()
    return _rota_apply(pattern, by=by, include_past=include_past)


ROTA_DECLARE_ROLE_MESSAGE = "Seule une personne d'un partenaire déclare sa présence régulière."
ROTA_PATTERN_OVER_MESSAGE = "Ce rythme est terminé : choisissez un rythme en cours ou à venir."


@stamps_public_revision
def rota_line_declare(
    *,
    pattern: SchedulePattern,
    acting: Membership,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
) -> RotaLine:
    """A partner's person declares that their organisation comes with a weekly pattern
    (« tous les mardis matin pendant la période scolaire »). Applied at once to the coming
    stops unless the structure asks for its coordinator's approval
    (`Operator.partner_rota_needs_approval`), else kept until the coordinator accepts it
    (`rota_line_approve`); the coordinators are told by e-mail after the commit in both cases."""
    SchedulePattern.objects.select_for_update().filter(pk=pattern.pk).first()
    if acting.role != Role.PARTNER or acting.partner_id is None:
        raise ValidationError(ROTA_DECLARE_ROLE_MESSAGE, code="not_partner")
    if acting.operator_id != pattern.operator_id:
        raise ValidationError("Ce rythme n'appartient pas à votre structure.")
    if pattern.valid_until < timezone.localdate():
        raise ValidationError(ROTA_PATTERN_OVER_MESSAGE, code="pattern_over")
    partner = acting.partner
    line = RotaLine(
        operator_id=pattern.operator_id,
        pattern=pattern,
        partner=partner,
        start_time=start_time,
        end_time=end_time,
        approved=not pattern.operator.partner_rota_needs_approval,
        declared_by=acting.user,
    )
    _save_line(line)
    if line.approved:
        _rota_apply(pattern, by=acting.user)
    line_id = line.pk
    transaction.on_commit(lambda: rota_declared_email.enqueue(line_id))
    return line


@stamps_public_revision
def rota_line_approve(*, line: RotaLine, by=None) -> RotaLine:
    """The coordinator accepts a partner's declaration: it joins the pattern's team and is
    applied to the coming stops (exceptions set by hand kept)."""
    pattern = SchedulePattern.objects.select_for_update().get(pk=line.pattern_id)
    line = RotaLine.objects.filter(pk=line.pk).select_related("partner").first()
    if line is None:
        raise ValidationError("Cette déclaration a été retirée entre-temps.", code="gone")
    if line.approved:
        raise ValidationError("Cette présence régulière est déjà acceptée.", code="approved")
    if line.partner.is_archived:
        raise ValidationError(ROTA_ARCHIVED_PARTNER_MESSAGE, code="archived_partner")
    line.approved = True
    line.save(update_fields=["approved"])
    _rota_apply(pattern, by=by)
    return line


def rota_line_remove_preview(*, line: RotaLine) -> RotaPlan:
    return rota_preview(pattern=line.pattern, removing=line)


@stamps_public_revision
def rota_line_remove(*, line: RotaLine, by=None) -> RotaPlan:
    """Take a person out of the pattern's rota: off its stops from today on (a stop already used
    by another app keeps its partner, then as set by hand); past stops keep them, as set by
    hand. Exceptions set by hand stay."""
    pattern = SchedulePattern.objects.select_for_update().get(pk=line.pattern_id)
    line = RotaLine.objects.filter(pk=line.pk).select_related("partner", "user").first()
    if line is None:
        raise ValidationError("Cette personne n'est déjà plus dans l'équipe du rythme.")
    stops = Stop.objects.filter(pk__in=_locked(_rota_stops(pattern)))
    plan = _rota_plan(pattern, stops, removing=line)
    PartnerPresence.objects.filter(pk__in=plan._to_delete_presences).delete()
    StaffAssignment.objects.filter(pk__in=plan._to_delete_assignments).delete()
    line.delete()
    return plan


# Copy forward: a period's patterns and their teams to the next period ------------------------


@dataclass
class PatternCopy:
    source: SchedulePattern
    copy: SchedulePattern | None  # None: not copied (`reason` says why)
    lines: int = 0
    reason: str = ""


def _copied_label(label: str, source: SchedulePattern, target_from: datetime.date) -> str:
    if label and str(source.valid_from.year) in label:
        return label.replace(str(source.valid_from.year), str(target_from.year))
    return label


def patterns_copy_preview(
    *,
    operator: Operator,
    source_from: datetime.date,
    source_until: datetime.date,
    target_from: datetime.date,
    target_until: datetime.date,
) -> list[PatternCopy]:
    """The patterns running within [source_from, source_until], each as it would be copied to
    [target_from, target_until] with its team (unsaved), or why it is not: an archived site or
    vehicle, the vehicle already taken by a pattern of the target period at those hours."""
    if source_until < source_from or target_until < target_from:
        raise ValidationError("La fin d'une période doit être après son début.", code="range")
    if target_from <= source_until:
        raise ValidationError(
            "La nouvelle période doit commencer après la fin de celle que vous copiez.",
            code="target_before_source",
        )
    if (target_until - target_from).days > 2 * 366:
        raise ValidationError("La nouvelle période ne peut pas dépasser deux ans.", code="range")
    sources = (
        SchedulePattern.objects.filter(
            operator=operator, valid_from__gte=source_from, valid_until__lte=source_until
        )
        .select_related("site", "vehicle")
        .prefetch_related("rota_lines")
        .order_by("weekday", "start_time")
    )
    taken = list(
        SchedulePattern.objects.filter(
            operator=operator, valid_from__lte=target_until, valid_until__gte=target_from
        )
    )
    plans = []
    for source in sources:
        copy = SchedulePattern(
            operator=operator,
            label=_copied_label(source.label, source, target_from),
            vehicle=source.vehicle,
            site=source.site,
            weekday=source.weekday,
            start_time=source.start_time,
            end_time=source.end_time,
            valid_from=target_from,
            valid_until=target_until,
            skip_school_holidays=source.skip_school_holidays,
            school_zone=source.school_zone,
        )
        lines = [line for line in source.rota_lines.all() if line.approved]
        reason = ""
        if source.site.is_archived:
            reason = "lieu archivé"
        elif source.vehicle.is_archived:
            reason = "véhicule archivé"
        else:
            for other in taken:
                if (
                    other.vehicle_id == source.vehicle_id
                    and other.weekday == source.weekday
                    and other.start_time < source.end_time
                    and source.start_time < other.end_time
                ):
                    reason = f"le bus a déjà le rythme « {other} » à ces heures"
                    break
        plans.append(PatternCopy(source, None if reason else copy, lines=len(lines), reason=reason))
    return plans


@stamps_public_revision
def patterns_copy(
    *,
    operator: Operator,
    source_from: datetime.date,
    source_until: datetime.date,
    target_from: datetime.date,
    target_until: datetime.date,
) -> list[PatternCopy]:
    """Copy the period's patterns, each with its team, to the next period (nothing generated:
    each copy's page previews its dates). Refused whole, nothing saved, when a team line does
    not fit (the same person already elsewhere at those hours, an archived partner…)."""
    plans = patterns_copy_preview(
        operator=operator,
        source_from=source_from,
        source_until=source_until,
        target_from=target_from,
        target_until=target_until,
    )
    if not any(plan.copy for plan in plans):
        raise ValidationError("Aucun rythme à copier sur cette période.", code="nothing")
    for plan in plans:
        if plan.copy is None:
            continue
        plan.copy.save()
        for line in plan.source.rota_lines.all():
            if not line.approved:
                continue
            copied = RotaLine(
                operator_id=operator.pk,
                pattern=plan.copy,
                partner_id=line.partner_id,
                user_id=line.user_id,
                duty_role=line.duty_role,
                start_time=line.start_time,
                end_time=line.end_time,
                with_appointments=line.with_appointments,
            )
            try:
                _save_line(copied)
            except ValidationError as error:
                raise ValidationError(
                    f"« {plan.source} » : " + " ".join(error.messages), code="line"
                ) from error
    return plans


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


@stamps_public_revision
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


@stamps_public_revision
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
