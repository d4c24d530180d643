"""Whether the person came: an appointment honoured (its visit made or linked), excused or
missed (a visit made here released), and a workshop seat's presence."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.planning.enums import StopStatus
from allervers.planning.models import Stop
from allervers.reception.enums import VisitMode
from allervers.reception.models import Visit
from allervers.reception.services.visits import visit_correct, visit_record

from ..enums import (
    APPOINTMENT_ATTENDANCE,
    AppointmentStatus,
    Attendance,
    RegistrationStatus,
)
from ..locks import lock_row
from ..models import Appointment, Registration, Workshop
from ..times import local_moment
from .refusals import WORKSHOP_CANCELLED

WORKSHOP_ATTENDANCE_TOO_EARLY = "La présence se note une fois l'atelier commencé."
ATTENDANCE_NOT_REGISTERED = "Seules les personnes inscrites (pas en attente) ont une présence."
ATTENDANCE_TOO_EARLY = (
    "Ce rendez-vous n'a pas encore commencé ({moment}) : sa présence se note après son heure."
)
ATTENDANCE_CANCELLED = "Ce rendez-vous est annulé : il n'y a pas de présence à noter."
ATTENDANCE_STOP_CANCELLED = "Cette permanence a été annulée : il n'y a pas de présence à noter."
ATTENDANCE_STALE = (
    "Ce rendez-vous a été modifié entre-temps (maintenant : {status}). Rien n'a été changé : "
    "vérifiez et recommencez si besoin."
)


def attendance_record(
    *,
    appointment: Appointment,
    status: str,
    by,
    visit=None,
    shown_status: str | None = None,
    now: datetime.datetime | None = None,
    request=None,
) -> Appointment:
    """Note whether the person came: honoured, excused or no-show, once the appointment began.

    Honoured, the appointment is a visit « sur rendez-vous » at its stop: `visit` (a visit an
    agent already logged there, without an appointment) is linked to it, else one is made
    (`visit_made_by_attendance`), so that the reports count it once. Changed away from
    honoured, a visit made here is removed, a linked one only unlinked. `shown_status`: the
    status the form showed; refused if it changed since (another person's note), except when it
    is already what is asked (the same form sent twice). With the agent's `request`, the journal
    records the note, the same form sent twice included."""
    now = now or timezone.now()
    if status not in APPOINTMENT_ATTENDANCE:
        raise ValidationError({"status": "Choisissez : venu(e), excusé(e) ou absent(e)."})
    with transaction.atomic():
        # The stop first, as every booking write does (one lock order: no deadlock).
        lock_row(Stop, appointment.opening.stop_id)
        appointment = (
            Appointment.objects.select_for_update(of=("self",))
            .select_related("opening__stop__operator", "opening__partner")
            .get(pk=appointment.pk)
        )
        stop = appointment.opening.stop
        # The stop first: its cancellation cancelled the appointment too, and says why.
        if stop.status != StopStatus.HELD:
            raise ValidationError(ATTENDANCE_STOP_CANCELLED, code="stop_cancelled")
        if appointment.status == AppointmentStatus.CANCELLED:
            raise ValidationError(ATTENDANCE_CANCELLED, code="cancelled")
        start = local_moment(stop.operator, stop.date, appointment.start_time)
        if start > now:
            moment = f"le {stop.date:%d/%m/%Y} à {appointment.start_time:%H:%M}"
            raise ValidationError(ATTENDANCE_TOO_EARLY.format(moment=moment), code="too_early")
        unchanged = appointment.status == status and (
            status != AppointmentStatus.HONOURED
            or visit is None
            or visit.pk == appointment.visit_id
        )
        if unchanged:
            _journal(request, appointment)
            return appointment
        if shown_status is not None and shown_status != appointment.status:
            raise ValidationError(
                ATTENDANCE_STALE.format(status=appointment.get_status_display().lower()),
                code="stale",
            )
        if appointment.visit_id is not None:
            _release_visit(appointment, by=by)
        if status == AppointmentStatus.HONOURED:
            if visit is not None:
                appointment.visit = _link_visit(appointment, visit, by=by, now=now)
                appointment.visit_made_by_attendance = False
            else:
                appointment.visit = _make_visit(appointment, by=by, now=now)
                appointment.visit_made_by_attendance = True
        appointment.status = status
        appointment.status_changed_at = now
        appointment.status_changed_by = by
        appointment.save(
            update_fields=[
                "status",
                "status_changed_at",
                "status_changed_by",
                "visit",
                "visit_made_by_attendance",
            ]
        )
        _journal(request, appointment)
        return appointment


def _journal(request, appointment: Appointment) -> None:
    journal(request, Action.VISIT_CHANGED, appointment, detail="présence à un rendez-vous")


def _make_visit(appointment: Appointment, *, by, now: datetime.datetime):

    opening = appointment.opening
    stop = opening.stop
    arrived_at = local_moment(stop.operator, stop.date, appointment.start_time)
    end = local_moment(stop.operator, stop.date, appointment.end_time)
    left_at = end if end <= now else (now if now > arrived_at else None)
    return visit_record(
        operator=stop.operator,
        user=by,
        stop=stop,
        arrived_at=arrived_at,
        left_at=left_at,
        topics=[appointment.topic] if appointment.topic_id else (),
        partners_seen=[opening.partner] if opening.partner_id else (),
        person=appointment.person,
        mode=VisitMode.APPOINTMENT,
        now=now,
    )


def _link_visit(appointment: Appointment, visit, *, by, now: datetime.datetime):

    opening = appointment.opening
    visit = Visit.objects.filter(pk=visit.pk, operator_id=appointment.operator_id).first()
    if visit is None or visit.stop_id != opening.stop_id:
        raise ValidationError({"visit": "Cette visite n'est pas de cette permanence."})
    if Appointment.objects.filter(visit=visit).exclude(pk=appointment.pk).exists():
        raise ValidationError({"visit": "Cette visite est déjà celle d'un autre rendez-vous."})
    partners = list(visit.partners_seen.all())
    if opening.partner_id and opening.partner not in partners:
        partners.append(opening.partner)
    return visit_correct(
        visit=visit, user=by, mode=VisitMode.APPOINTMENT, partners_seen=partners, now=now
    )


def _release_visit(appointment: Appointment, *, by) -> None:
    """Undo the visit of an honoured appointment: removed when the attendance made it, only
    unlinked when it was an agent's visit (it happened: it stays counted)."""

    visit = Visit.objects.select_for_update().get(pk=appointment.visit_id)
    appointment.visit = None
    made, appointment.visit_made_by_attendance = appointment.visit_made_by_attendance, False
    if not made:
        return
    if visit.referrals.exists() or visit.version > 0:
        raise ValidationError(
            "La visite de ce rendez-vous a été complétée depuis (orientation ou correction) : "
            "elle est gardée. Corrigez-la depuis sa page si la personne n'est pas venue.",
            code="visit_in_use",
        )
    appointment.save(update_fields=["visit", "visit_made_by_attendance"])
    try:
        with transaction.atomic():
            visit.delete()
    except ProtectedError as error:
        raise ValidationError(
            "La visite de ce rendez-vous est utilisée ailleurs : elle est gardée.",
            code="visit_in_use",
        ) from error


@transaction.atomic
def registration_attendance_record(
    *, registration: Registration, attendance: str, now: datetime.datetime | None = None
) -> Registration:
    """Present or absent (or back to unknown) for a registered person, once the workshop began."""
    now = now or timezone.now()
    if attendance not in Attendance.values:
        raise ValidationError({"attendance": "Choisissez présent ou absent."})
    lock_row(Workshop, registration.workshop_id)
    registration = Registration.objects.select_related("workshop__stop__operator").get(
        pk=registration.pk
    )
    workshop = registration.workshop
    if workshop.is_cancelled:
        raise ValidationError(WORKSHOP_CANCELLED, code="workshop_cancelled")
    if local_moment(workshop.operator, workshop.stop.date, workshop.start_time) > now:
        raise ValidationError(WORKSHOP_ATTENDANCE_TOO_EARLY, code="too_early")
    if registration.status != RegistrationStatus.REGISTERED:
        raise ValidationError(ATTENDANCE_NOT_REGISTERED, code="not_registered")
    registration.attendance = attendance
    registration.save(update_fields=["attendance"])
    return registration
