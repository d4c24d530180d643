"""Appointments: a stop made bookable for a partner or the bus team (an opening), an
appointment booked, moved or cancelled, and the usual settings of a partner's openings."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.core.revision import stamps_public_revision
from allervers.planning.enums import StopStatus
from allervers.planning.models import PartnerPresence, Stop

from .. import notify
from ..enums import AppointmentStatus, BookingSource
from ..locks import lock_row
from ..models import Appointment, AppointmentOpening, PartnerBookingDefaults, new_secret
from ..slots import office_places, places_left, slot_times, stop_appointments
from ..times import local_moment
from .contacts import Contact, contact_check, contact_matches, contact_person_check
from .refusals import ALREADY_CANCELLED, STOP_CANCELLED

STOP_PAST = "Cette permanence du bus est passée."
SLOT_PAST = "Ce créneau est passé. Choisissez un créneau à venir."
SLOT_FULL = "Ce créneau vient d'être pris. Choisissez un autre créneau."
SLOT_UNKNOWN = "Ce créneau n'existe pas pour ce rendez-vous. Choisissez un créneau de la liste."
ALREADY_BOOKED = (
    "Un rendez-vous est déjà réservé pour ces coordonnées à cette permanence. "
    "Pour le changer, utilisez le lien reçu."
)
# The people of one partner receiving at once, as a default (an opening is still capped by the
# vehicle's office).
MAX_DEFAULT_DESKS = 20


def _check_stop_open(stop: Stop, start_time: datetime.time, now: datetime.datetime) -> None:
    if stop.status != StopStatus.HELD:
        raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
    if local_moment(stop.operator, stop.date, start_time) <= now:
        raise ValidationError(SLOT_PAST, code="slot_past")


def _opening_bounds(stop: Stop, partner) -> tuple[datetime.time, datetime.time]:
    """The hours an opening must fit in: the partner's presence, or the stop's for the team."""
    if partner is None:
        return stop.start_time, stop.end_time
    presence = PartnerPresence.objects.filter(stop=stop, partner=partner).first()
    if presence is None:
        raise ValidationError({"partner": f"{partner.name} n'est pas prévu à cette permanence."})
    return presence.start_time or stop.start_time, presence.end_time or stop.end_time


def _check_stop_for_opening(stop: Stop, now: datetime.datetime) -> None:
    if stop.status != StopStatus.HELD:
        raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
    if local_moment(stop.operator, stop.date, stop.end_time) <= now:
        raise ValidationError(STOP_PAST, code="stop_past")


def _check_opening(opening: AppointmentOpening) -> None:
    """Refuse an opening whose hours, length or desks do not fit its stop and partner."""
    stop = opening.stop
    earliest, latest = _opening_bounds(stop, opening.partner)
    start_time, end_time = opening.start_time, opening.end_time
    errors = {}
    if start_time < earliest or end_time > latest or end_time <= start_time:
        errors["start_time"] = (
            f"Les rendez-vous doivent tenir entre {earliest:%H:%M} et {latest:%H:%M}."
        )
    if not 5 <= opening.slot_minutes <= 240:
        errors["slot_minutes"] = "La durée d'un rendez-vous va de 5 à 240 minutes."
    office = office_places(stop)
    if opening.desks < 1 or opening.desks > office:
        errors["desks"] = f"Entre 1 et {office} rendez-vous en même temps (les places du bureau)."
    if errors:
        raise ValidationError(errors)
    if not slot_times(opening):
        raise ValidationError(
            {"slot_minutes": "Aucun rendez-vous de cette durée ne tient dans ces horaires."}
        )


@stamps_public_revision
def opening_create(
    *,
    stop: Stop,
    partner=None,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    slot_minutes: int,
    desks: int = 1,
    public_booking: bool = True,
    by=None,
    now: datetime.datetime | None = None,
) -> AppointmentOpening:
    """Make `stop` bookable for `partner` (None: the bus team), within its presence's hours."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_row(Stop, stop.pk)
        stop = Stop.objects.select_related("operator").get(pk=stop.pk)
        _check_stop_for_opening(stop, now)
        earliest, latest = _opening_bounds(stop, partner)
        if partner is not None and partner.operator_id != stop.operator_id:
            raise ValidationError({"partner": "Ce partenaire n'est pas de votre structure."})
        opening = AppointmentOpening(
            operator_id=stop.operator_id,
            stop=stop,
            partner=partner,
            start_time=start_time or earliest,
            end_time=end_time or latest,
            slot_minutes=slot_minutes,
            desks=desks,
            public_booking=public_booking,
            created_by=by,
        )
        _check_opening(opening)
        if AppointmentOpening.objects.filter(stop=stop, partner=partner).exists():
            raise ValidationError(
                "Les rendez-vous sont déjà ouverts pour ce partenaire à cette permanence.",
                code="already_open",
            )
        opening.save()
        return opening


@stamps_public_revision
def opening_change(
    *,
    opening: AppointmentOpening,
    start_time: datetime.time,
    end_time: datetime.time,
    slot_minutes: int,
    desks: int,
    public_booking: bool,
    now: datetime.datetime | None = None,
) -> AppointmentOpening:
    """Change an opening's hours, length or desks; refused when an appointment held would no
    longer be one of its slots, or when more are held at once than the new desks."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_row(Stop, opening.stop_id)
        opening = AppointmentOpening.objects.select_related("stop__operator", "partner").get(
            pk=opening.pk
        )
        _check_stop_for_opening(opening.stop, now)
        opening.start_time, opening.end_time = start_time, end_time
        opening.slot_minutes, opening.desks = slot_minutes, desks
        opening.public_booking = public_booking
        _check_opening(opening)
        held = list(opening.appointments.holding_place().order_by("start_time"))
        slots = slot_times(opening)
        misfit = [a for a in held if (a.start_time, a.end_time) not in slots]
        if misfit:
            count = len(misfit)
            raise ValidationError(
                f"{count} rendez-vous déjà pris ne tiendrai{'en' if count > 1 else ''}t plus "
                f"dans ces horaires ou cette durée (le premier à {misfit[0].start_time:%H:%M}). "
                "Déplacez-les ou annulez-les d'abord, ou gardez les réglages actuels.",
                code="appointments_misfit",
            )
        for start, end in slots:
            at_once = sum(1 for a in held if a.start_time < end and a.end_time > start)
            if at_once > desks:
                raise ValidationError(
                    {
                        "desks": f"{at_once} rendez-vous sont déjà pris en même temps à "
                        f"{start:%H:%M} : gardez au moins {at_once} rendez-vous en même temps."
                    },
                    code="desks_below_held",
                )
        opening.save(
            update_fields=["start_time", "end_time", "slot_minutes", "desks", "public_booking"]
        )
        return opening


@stamps_public_revision
def opening_close(*, opening: AppointmentOpening) -> None:
    """Stop taking appointments: refused while appointments are held (cancel or move them
    first); the cancelled ones go with the opening."""
    with transaction.atomic():
        lock_row(Stop, opening.stop_id)
        opening = AppointmentOpening.objects.get(pk=opening.pk)
        held = opening.appointments.holding_place().count()
        if held:
            raise ValidationError(
                f"{held} rendez-vous {'sont pris' if held > 1 else 'est pris'} sur ces créneaux : "
                "annulez-les ou déplacez-les d'abord.",
                code="appointments_held",
            )
        opening.appointments.all().delete()
        opening.delete()


def _check_place(
    opening: AppointmentOpening,
    start_time: datetime.time,
    *,
    exclude_id: int | None = None,
) -> datetime.time:
    """The slot's end when `start_time` starts a slot of `opening` with a place left."""
    ends = dict(slot_times(opening))
    if start_time not in ends:
        raise ValidationError(SLOT_UNKNOWN, code="slot_unknown")
    end_time = ends[start_time]
    left = places_left(
        opening,
        start_time,
        end_time,
        office=office_places(opening.stop),
        stop_appointments=stop_appointments(opening.stop),
        exclude_id=exclude_id,
    )
    if left < 1:
        raise ValidationError(SLOT_FULL, code="slot_full")
    return end_time


@stamps_public_revision
def appointment_book(
    *,
    opening: AppointmentOpening,
    start_time: datetime.time,
    contact: Contact,
    topic=None,
    source: str = BookingSource.PUBLIC,
    by=None,
    now: datetime.datetime | None = None,
) -> Appointment:
    now = now or timezone.now()
    contact = contact_check(contact, source=source)
    with transaction.atomic():
        if not lock_row(Stop, opening.stop_id):
            raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
        opening = AppointmentOpening.objects.select_related("stop__operator").get(pk=opening.pk)
        _check_stop_open(opening.stop, start_time, now)
        if source == BookingSource.PUBLIC and not opening.public_booking:
            raise ValidationError(SLOT_UNKNOWN, code="slot_unknown")
        if contact.person is not None:
            contact_person_check(contact.person, opening.operator_id)
        end_time = _check_place(opening, start_time)
        if contact_matches(opening.appointments.holding_place(), contact).exists():
            raise ValidationError(ALREADY_BOOKED, code="already_booked")
        appointment = Appointment.objects.create(
            operator_id=opening.operator_id,
            opening=opening,
            start_time=start_time,
            end_time=end_time,
            topic=topic,
            source=source,
            created_by=by,
            created_at=now,
            **contact.fields(),
        )
        notify.after_commit("appointment_booked", appointment)
        return appointment


@stamps_public_revision
def appointment_move(
    appointment: Appointment,
    *,
    opening: AppointmentOpening,
    start_time: datetime.time,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move a booked appointment to another slot (same or other stop); the old links stop
    working (new secret). Both stops are locked, in a fixed order."""
    now = now or timezone.now()
    with transaction.atomic():
        for stop_id in sorted({appointment.opening.stop_id, opening.stop_id}):
            lock_row(Stop, stop_id)
        appointment = Appointment.objects.select_related("opening__stop__operator").get(
            pk=appointment.pk
        )
        if appointment.status != AppointmentStatus.BOOKED:
            raise ValidationError(ALREADY_CANCELLED, code="not_booked")
        if (appointment.opening_id, appointment.start_time) == (opening.pk, start_time):
            return appointment  # already there (the same move sent twice): no second message
        opening = AppointmentOpening.objects.select_related("stop__operator").get(pk=opening.pk)
        if opening.operator_id != appointment.operator_id:
            raise ValidationError(SLOT_UNKNOWN, code="slot_unknown")
        _check_stop_open(opening.stop, start_time, now)
        end_time = _check_place(opening, start_time, exclude_id=appointment.pk)
        appointment.opening = opening
        appointment.start_time = start_time
        appointment.end_time = end_time
        appointment.secret = new_secret()
        appointment.save(update_fields=["opening", "start_time", "end_time", "secret"])
        notify.after_commit("appointment_moved", appointment)
        return appointment


@stamps_public_revision
def appointment_cancel(
    appointment: Appointment, *, by=None, now: datetime.datetime | None = None
) -> Appointment:
    now = now or timezone.now()
    with transaction.atomic():
        lock_row(Stop, appointment.opening.stop_id)
        appointment = Appointment.objects.get(pk=appointment.pk)
        if appointment.status != AppointmentStatus.BOOKED:
            raise ValidationError(ALREADY_CANCELLED, code="not_booked")
        appointment.status = AppointmentStatus.CANCELLED
        appointment.cancelled_at = now
        appointment.status_changed_at = now
        appointment.status_changed_by = by
        appointment.save(
            update_fields=["status", "cancelled_at", "status_changed_at", "status_changed_by"]
        )
        notify.after_commit("appointment_cancelled", appointment)
        return appointment


def booking_defaults_save(
    *, operator, partner=None, slot_minutes: int, desks: int, by=None
) -> PartnerBookingDefaults:
    """Set how a partner (None: the bus team) usually receives by appointment."""
    errors = {}
    if not 5 <= slot_minutes <= 240:
        errors["slot_minutes"] = "La durée d'un rendez-vous va de 5 à 240 minutes."
    if not 1 <= desks <= MAX_DEFAULT_DESKS:
        errors["desks"] = f"Entre 1 et {MAX_DEFAULT_DESKS} rendez-vous en même temps."
    if partner is not None and partner.operator_id != operator.pk:
        errors["partner"] = "Ce partenaire n'est pas de votre structure."
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        defaults, _ = PartnerBookingDefaults.objects.select_for_update().get_or_create(
            operator=operator, partner=partner
        )
        defaults.slot_minutes, defaults.desks, defaults.updated_by = slot_minutes, desks, by
        defaults.save()
        return defaults
