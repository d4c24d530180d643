"""Every write of bookings: open appointments, book, move, cancel; workshops and their seats.

Each function is one transaction. The places are counted after locking the stop (appointments)
or the workshop (seats), so concurrent bookings of the last place give exactly one booking. A
refusal is a French `ValidationError` and saves nothing. Messages go through
`notify.after_commit`."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from allervers.planning.enums import SpaceKind, StopEventKind, StopStatus
from allervers.planning.models import PartnerPresence, Space, Stop, StopEvent
from allervers.planning.revision import planning_write
from allervers.reception.enums import VisitMode
from allervers.reception.models import Visit
from allervers.reception.services.visits import visit_correct, visit_record

from . import notify
from .enums import (
    APPOINTMENT_ATTENDANCE,
    AppointmentStatus,
    Attendance,
    BookingSource,
    RegistrationStatus,
)
from .locks import lock_row
from .models import (
    Appointment,
    AppointmentOpening,
    PartnerBookingDefaults,
    Registration,
    Workshop,
)
from .phones import normalise_phone
from .slots import office_places, places_left, slot_times, stop_appointments
from .times import local_moment

STOP_CANCELLED = "Cette permanence du bus est annulée : il n'est plus possible d'y réserver."
STOP_PAST = "Cette permanence du bus est passée."
SLOT_PAST = "Ce créneau est passé. Choisissez un créneau à venir."
SLOT_FULL = "Ce créneau vient d'être pris. Choisissez un autre créneau."
SLOT_UNKNOWN = "Ce créneau n'existe pas pour ce rendez-vous. Choisissez un créneau de la liste."
NO_CONTACT = "Indiquez un numéro de téléphone ou une adresse électronique pour être prévenu(e)."
ALREADY_BOOKED = (
    "Un rendez-vous est déjà réservé pour ces coordonnées à cette permanence. "
    "Pour le changer, utilisez le lien reçu."
)
ALREADY_REGISTERED = "Ces coordonnées sont déjà inscrites à cet atelier."
WORKSHOP_CANCELLED = "Cet atelier est annulé."
WORKSHOP_PAST = "Cet atelier a déjà eu lieu."
ALREADY_CANCELLED = "Cette réservation est déjà annulée."
# The people of one partner receiving at once, as a default (an opening is still capped by the
# vehicle's office).
MAX_DEFAULT_DESKS = 20
PERSON_WITHOUT_CONSENT = (
    "Cette personne n'a pas de consentement en vigueur : réservez avec son prénom et un moyen "
    "de la joindre seulement."
)
WORKSHOP_STARTED = "Cet atelier a déjà commencé : il ne peut plus être modifié ni annulé."
WORKSHOP_ATTENDANCE_TOO_EARLY = "La présence se note une fois l'atelier commencé."
ATTENDANCE_NOT_REGISTERED = "Seules les personnes inscrites (pas en attente) ont une présence."
# When the vehicle has no cyber@atelier recorded: a small group.
DEFAULT_WORKSHOP_SEATS = 8


@dataclass(frozen=True)
class Contact:
    """Who books: a followed `person` (agent booking), or a first name with a phone and/or an
    e-mail. `contact_consent`: the person accepts to be contacted about this booking."""

    first_name: str = ""
    phone: str = ""
    email: str = ""
    contact_consent: bool = False
    person: object = None

    def normalised(self) -> "Contact":
        return Contact(
            first_name=" ".join(self.first_name.split())[:100],
            phone=normalise_phone(self.phone),
            email=self.email.strip().lower(),
            contact_consent=self.contact_consent,
            person=self.person,
        )

    def fields(self) -> dict:
        return {
            "first_name": self.first_name,
            "phone": self.phone,
            "email": self.email,
            "contact_consent": self.contact_consent,
            "person": self.person,
        }


def _check_contact(contact: Contact, *, source: str) -> Contact:
    contact = contact.normalised()
    if source == BookingSource.PUBLIC:
        errors = {}
        if not contact.first_name:
            errors["first_name"] = "Indiquez votre prénom."
        if not contact.phone and not contact.email:
            errors["phone"] = NO_CONTACT
        if errors:
            raise ValidationError(errors)
    elif contact.person is None and not contact.first_name:
        raise ValidationError({"first_name": "Indiquez au moins le prénom de la personne."})
    return contact


def _same_contact(queryset, contact: Contact):
    """Bookings of `queryset` made for the same person, phone or e-mail."""
    from django.db.models import Q

    match = Q(pk__in=[])
    if contact.person is not None:
        match |= Q(person=contact.person)
    if contact.phone:
        match |= Q(phone=contact.phone)
    if contact.email:
        match |= Q(email=contact.email)
    return queryset.filter(match)


def _check_stop_open(stop: Stop, start_time: datetime.time, now: datetime.datetime) -> None:
    if stop.status != StopStatus.HELD:
        raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
    if local_moment(stop.operator, stop.date, start_time) <= now:
        raise ValidationError(SLOT_PAST, code="slot_past")


# --- Appointments -------------------------------------------------------------------------


def _check_person(person, operator_id: int) -> None:
    """A booking names a followed person only while a consent of theirs is in force."""
    if person.operator_id != operator_id or not person.consents.active().exists():
        raise ValidationError({"person": PERSON_WITHOUT_CONSENT}, code="person_without_consent")


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


@planning_write
def open_appointments(
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


@planning_write
def change_opening(
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


@planning_write
def close_opening(*, opening: AppointmentOpening) -> None:
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


@planning_write
def book_appointment(
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
    contact = _check_contact(contact, source=source)
    with transaction.atomic():
        if not lock_row(Stop, opening.stop_id):
            raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
        opening = AppointmentOpening.objects.select_related("stop__operator").get(pk=opening.pk)
        _check_stop_open(opening.stop, start_time, now)
        if source == BookingSource.PUBLIC and not opening.public_booking:
            raise ValidationError(SLOT_UNKNOWN, code="slot_unknown")
        if contact.person is not None:
            _check_person(contact.person, opening.operator_id)
        end_time = _check_place(opening, start_time)
        if _same_contact(opening.appointments.holding_place(), contact).exists():
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


@planning_write
def move_appointment(
    appointment: Appointment,
    *,
    opening: AppointmentOpening,
    start_time: datetime.time,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Move a booked appointment to another slot (same or other stop); the old links stop
    working (new secret). Both stops are locked, in a fixed order."""
    from .models import new_secret

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


@planning_write
def cancel_appointment(
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


ATTENDANCE_TOO_EARLY = (
    "Ce rendez-vous n'a pas encore commencé ({moment}) : sa présence se note après son heure."
)
ATTENDANCE_CANCELLED = "Ce rendez-vous est annulé : il n'y a pas de présence à noter."
ATTENDANCE_STOP_CANCELLED = "Cette permanence a été annulée : il n'y a pas de présence à noter."
ATTENDANCE_STALE = (
    "Ce rendez-vous a été modifié entre-temps (maintenant : {status}). Rien n'a été changé : "
    "vérifiez et recommencez si besoin."
)


def record_attendance(
    *,
    appointment: Appointment,
    status: str,
    by,
    visit=None,
    shown_status: str | None = None,
    now: datetime.datetime | None = None,
) -> Appointment:
    """Note whether the person came: honoured, excused or no-show, once the appointment began.

    Honoured, the appointment is a visit « sur rendez-vous » at its stop: `visit` (a visit an
    agent already logged there, without an appointment) is linked to it, else one is made
    (`visit_made_by_attendance`), so that the reports count it once. Changed away from
    honoured, a visit made here is removed, a linked one only unlinked. `shown_status`: the
    status the form showed; refused if it changed since (another person's note), except when it
    is already what is asked (the same form sent twice)."""
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
        if appointment.status == AppointmentStatus.CANCELLED:
            raise ValidationError(ATTENDANCE_CANCELLED, code="cancelled")
        if stop.status != StopStatus.HELD:
            raise ValidationError(ATTENDANCE_STOP_CANCELLED, code="stop_cancelled")
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
        return appointment


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


# --- Workshops ----------------------------------------------------------------------------


@planning_write
def register(
    *,
    workshop: Workshop,
    contact: Contact,
    source: str = BookingSource.PUBLIC,
    by=None,
    now: datetime.datetime | None = None,
) -> Registration:
    """A seat if one is free, else a place on the waiting list (the status says which)."""
    now = now or timezone.now()
    contact = _check_contact(contact, source=source)
    with transaction.atomic():
        if not lock_row(Workshop, workshop.pk):
            raise ValidationError(WORKSHOP_CANCELLED, code="workshop_cancelled")
        workshop = Workshop.objects.select_related("stop__operator").get(pk=workshop.pk)
        if workshop.is_cancelled:
            raise ValidationError(WORKSHOP_CANCELLED, code="workshop_cancelled")
        if source == BookingSource.PUBLIC and not workshop.public_registration:
            raise ValidationError(
                "L'inscription à cet atelier se fait auprès de l'équipe du bus.",
                code="agent_only",
            )
        if workshop.stop.status != StopStatus.HELD:
            raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
        if local_moment(workshop.operator, workshop.stop.date, workshop.start_time) <= now:
            raise ValidationError(WORKSHOP_PAST, code="workshop_past")
        active = workshop.registrations.exclude(status=RegistrationStatus.CANCELLED)
        if _same_contact(active, contact).exists():
            raise ValidationError(ALREADY_REGISTERED, code="already_registered")
        seats_taken = workshop.registrations.registered().count()
        status = (
            RegistrationStatus.REGISTERED
            if seats_taken < workshop.capacity
            else RegistrationStatus.WAITING
        )
        registration = Registration.objects.create(
            operator_id=workshop.operator_id,
            workshop=workshop,
            status=status,
            source=source,
            created_by=by,
            created_at=now,
            **contact.fields(),
        )
        notify.after_commit("registration_booked", registration)
        return registration


def promote_waiting(workshop: Workshop, *, now: datetime.datetime) -> list[Registration]:
    """Give the free seats to the waiting list, in order; call with the workshop locked."""
    free = workshop.capacity - workshop.registrations.registered().count()
    promoted = []
    for registration in list(workshop.registrations.waiting()[: max(free, 0)]):
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at"])
        notify.after_commit("registration_promoted", registration)
        promoted.append(registration)
    return promoted


@planning_write
def cancel_registration(
    registration: Registration, *, by=None, now: datetime.datetime | None = None
) -> list[Registration]:
    """Cancel a seat or a waiting-list place; returns who was promoted to the freed seat."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_row(Workshop, registration.workshop_id)
        registration = Registration.objects.select_related("workshop").get(pk=registration.pk)
        if registration.status == RegistrationStatus.CANCELLED:
            raise ValidationError(ALREADY_CANCELLED, code="not_booked")
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        notify.after_commit("registration_cancelled", registration)
        return promote_waiting(registration.workshop, now=now)


def workshop_seats(stop: Stop) -> int:
    """The default capacity of a workshop at `stop`: the places of its vehicle's cyber@atelier."""
    space = Space.objects.filter(vehicle_id=stop.vehicle_id, kind=SpaceKind.CYBER).first()
    return space.capacity if space else DEFAULT_WORKSHOP_SEATS


def _check_workshop_fields(
    stop: Stop,
    *,
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int,
    registered: int,
    now: datetime.datetime,
) -> None:
    """Refuse a workshop that does not fit its stop: held, ahead, within its hours, seats."""
    if stop.status != StopStatus.HELD:
        raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
    errors = {}
    if start_time < stop.start_time or end_time > stop.end_time or end_time <= start_time:
        errors["start_time"] = (
            f"L'atelier doit tenir dans les horaires de la permanence : "
            f"entre {stop.start_time:%H:%M} et {stop.end_time:%H:%M}."
        )
    elif local_moment(stop.operator, stop.date, start_time) <= now:
        errors["start_time"] = "Cet horaire est passé : un atelier se prévoit à l'avance."
    if capacity < 1:
        errors["capacity"] = "Un atelier a au moins une place."
    elif capacity < registered:
        errors["capacity"] = (
            f"{registered} personnes sont déjà inscrites : il faut au moins {registered} places "
            "(annulez des inscriptions d'abord)."
        )
    if errors:
        raise ValidationError(errors)


@planning_write
def workshop_create(
    *,
    stop: Stop,
    title: str,
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int | None = None,
    topic=None,
    description: str = "",
    public_registration: bool = True,
    by=None,
    now: datetime.datetime | None = None,
) -> Workshop:
    """A workshop at a held future stop, within its hours (capacity: the cyber@atelier's)."""
    now = now or timezone.now()
    if not lock_row(Stop, stop.pk):
        raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
    stop = Stop.objects.select_related("operator").get(pk=stop.pk)
    if capacity is None:
        capacity = workshop_seats(stop)
    _check_workshop_fields(
        stop,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        registered=0,
        now=now,
    )
    if topic is not None and topic.operator_id != stop.operator_id:
        raise ValidationError({"topic": "Cette thématique n'existe pas."})
    return Workshop.objects.create(
        operator_id=stop.operator_id,
        stop=stop,
        title=" ".join(title.split())[:200],
        topic=topic,
        description=description.strip(),
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        public_registration=public_registration,
        created_by=by,
    )


def _locked_workshop(workshop: Workshop, now: datetime.datetime) -> Workshop:
    """The workshop re-read under its lock; refused when cancelled or already started."""
    lock_row(Workshop, workshop.pk)
    workshop = Workshop.objects.select_related("stop__operator").get(pk=workshop.pk)
    if workshop.is_cancelled:
        raise ValidationError(WORKSHOP_CANCELLED, code="workshop_cancelled")
    if local_moment(workshop.operator, workshop.stop.date, workshop.start_time) <= now:
        raise ValidationError(WORKSHOP_STARTED, code="workshop_started")
    return workshop


@planning_write
def workshop_change(
    *,
    workshop: Workshop,
    title: str,
    start_time: datetime.time,
    end_time: datetime.time,
    capacity: int,
    topic=None,
    description: str = "",
    public_registration: bool = True,
    now: datetime.datetime | None = None,
) -> list[Registration]:
    """Change a workshop ahead of its start; more seats promote the waiting list (returned)."""
    now = now or timezone.now()
    workshop = _locked_workshop(workshop, now)
    _check_workshop_fields(
        workshop.stop,
        start_time=start_time,
        end_time=end_time,
        capacity=capacity,
        registered=workshop.registrations.registered().count(),
        now=now,
    )
    if topic is not None and topic.operator_id != workshop.operator_id:
        raise ValidationError({"topic": "Cette thématique n'existe pas."})
    workshop.title = " ".join(title.split())[:200]
    workshop.topic = topic
    workshop.description = description.strip()
    workshop.start_time = start_time
    workshop.end_time = end_time
    workshop.capacity = capacity
    workshop.public_registration = public_registration
    workshop.save()
    return promote_waiting(workshop, now=now)


@planning_write
def workshop_cancel(
    *, workshop: Workshop, by=None, now: datetime.datetime | None = None
) -> list[Registration]:
    """Cancel a workshop: every seat and waiting-list place is cancelled, each person told."""
    now = now or timezone.now()
    workshop = _locked_workshop(workshop, now)
    workshop.cancelled_at = now
    # `updated_at` too: the feeds' SEQUENCE grows, subscribed calendars show the cancellation.
    workshop.save(update_fields=["cancelled_at", "updated_at"])
    told = list(workshop.registrations.exclude(status=RegistrationStatus.CANCELLED))
    for registration in told:
        registration.status = RegistrationStatus.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        notify.after_commit("registration_cancelled", registration)
    return told


@transaction.atomic
def record_registration_attendance(
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


# --- Stop changes (the planning's stop change hook, registered in `apps.py`) ---------------


def stop_bookings_follow(*, stop: Stop, event: StopEvent) -> None:
    """The bookings follow a change of `stop` (its history line `event`), inside the planning's
    transaction, with the stop locked: a failure here undoes the stop's change too. Cancelled:
    its bookings are cancelled; moved: they follow it; restored: nothing (its bookings were
    cancelled with it). The people are told after the commit."""
    if event.kind == StopEventKind.CANCELLED:
        stop_bookings_cancel(stop=stop, at=event.at)
    elif event.kind == StopEventKind.MOVED:
        stop_bookings_move(stop=stop, event=event)


@transaction.atomic
def stop_bookings_cancel(*, stop: Stop, at: datetime.datetime) -> int:
    """The stop is cancelled: cancel its active bookings (appointments booked, seats and
    waiting-list places) and tell each person once, after the commit. Marked cancelled, not
    kept: a stop restored later must not silently hold bookings whose people were told it would
    not come. Returns how many bookings were cancelled."""
    appointments = list(
        Appointment.objects.filter(opening__stop=stop, status=AppointmentStatus.BOOKED)
        .select_for_update()
        .values_list("pk", flat=True)
    )
    registrations = list(
        Registration.objects.filter(
            workshop__stop=stop,
            status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITING],
        )
        .select_for_update()
        .values_list("pk", flat=True)
    )
    Appointment.objects.filter(pk__in=appointments).update(
        status=AppointmentStatus.CANCELLED, cancelled_at=at, status_changed_at=at
    )
    Registration.objects.filter(pk__in=registrations).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=at, attendance=""
    )
    _tell_after_commit("stop_cancelled", appointments, registrations)
    return len(appointments) + len(registrations)


@transaction.atomic
def stop_bookings_move(*, stop: Stop, event: StopEvent) -> int:
    """The stop moved (place, day or hours; `event` says from where): its bookings follow it.
    When its start time changed, the openings, appointments and workshops keep their place in
    it (shifted by as much); what no longer fits in the new hours (a shorter stop) is cancelled
    and its people told so. Everyone else with an active booking is told the new moment, once
    per move, after the commit. Returns how many bookings were told the new moment."""
    if not (
        AppointmentOpening.objects.filter(stop=stop).exists()
        or Workshop.objects.filter(stop=stop).exists()
    ):
        return 0  # nothing booked there: nothing to move, nobody to tell
    shift = 0
    if event.previous_start_time is not None:
        shift = _minutes(stop.start_time) - _minutes(event.previous_start_time)
    at = event.at
    dropped = _follow_the_stop(stop, (stop.start_time, stop.end_time), shift, by=event.by, at=at)
    appointments = list(
        Appointment.objects.filter(opening__stop=stop, status=AppointmentStatus.BOOKED).values_list(
            "pk", flat=True
        )
    )
    registrations = list(
        Registration.objects.filter(
            workshop__stop=stop,
            status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITING],
        ).values_list("pk", flat=True)
    )
    _tell_after_commit("appointment_cancelled", dropped["appointments"], [])
    _tell_after_commit("registration_cancelled", [], dropped["registrations"])
    _tell_after_commit("stop_moved", appointments, registrations, discriminator=at.isoformat())
    return len(appointments) + len(registrations)


def _minutes(time: datetime.time) -> int:
    return time.hour * 60 + time.minute


def _time(minutes: int) -> datetime.time:
    return datetime.time(minutes // 60, minutes % 60)


def _shifted(start: datetime.time, end: datetime.time, shift: int) -> tuple[int, int]:
    return _minutes(start) + shift, _minutes(end) + shift


def _follow_the_stop(
    stop: Stop, hours: tuple[datetime.time, datetime.time], shift: int, *, by, at
) -> dict[str, list[int]]:
    """Shift the stop's openings, appointments and workshops by `shift` minutes and keep them
    inside its `hours`; returns the appointments and registrations cancelled because they no
    longer fit (in a transaction: the rows are locked as they are read)."""
    first, last = _minutes(hours[0]), _minutes(hours[1])
    dropped: dict[str, list[int]] = {"appointments": [], "registrations": []}
    for opening in AppointmentOpening.objects.filter(stop=stop).select_for_update():
        start, end = _shifted(opening.start_time, opening.end_time, shift)
        start, end = max(start, first), min(end, last)
        if end - start < opening.slot_minutes:
            # Too short for one appointment: the whole stop, closed to online booking, for the
            # team to set again.
            start, end, opening.public_booking = first, last, False
        opening.start_time, opening.end_time = _time(start), _time(end)
        opening.save(update_fields=["start_time", "end_time", "public_booking"])
        for appointment in opening.appointments.select_for_update():
            start, end = _shifted(appointment.start_time, appointment.end_time, shift)
            if appointment.status == AppointmentStatus.BOOKED and not first <= start < end <= last:
                appointment.status = AppointmentStatus.CANCELLED
                appointment.cancelled_at = appointment.status_changed_at = at
                appointment.status_changed_by = by
                dropped["appointments"].append(appointment.pk)
            elif 0 <= start < end < 24 * 60:
                appointment.start_time, appointment.end_time = _time(start), _time(end)
            appointment.save()
    for workshop in Workshop.objects.filter(
        stop=stop, cancelled_at__isnull=True
    ).select_for_update():
        start, end = _shifted(workshop.start_time, workshop.end_time, shift)
        if first <= start < end <= last:
            workshop.start_time, workshop.end_time = _time(start), _time(end)
        else:
            workshop.cancelled_at = at
            active = workshop.registrations.exclude(status=RegistrationStatus.CANCELLED)
            dropped["registrations"] += list(active.values_list("pk", flat=True))
            active.update(status=RegistrationStatus.CANCELLED, cancelled_at=at, attendance="")
        workshop.save()
    return dropped


def _tell_after_commit(
    event: str, appointments: list[int], registrations: list[int], discriminator: str = ""
) -> None:
    def tell():
        for kind, pks in (("appointment", appointments), ("registration", registrations)):
            for pk in pks:
                notify.enqueue(event, kind, pk, discriminator)

    transaction.on_commit(tell, robust=True)


# --- Themes offered to the residents ------------------------------------------------------


def topic_partners_set(*, operator, mapping: dict) -> None:
    """Set the partners of each theme of `mapping` (theme → partners; none: every partner
    with openings is offered for it). Themes and partners of `operator` only. The operator's
    row is locked: two coordinators at once apply one after the other."""
    from .models import TopicPartner

    with transaction.atomic():
        lock_row(type(operator), operator.pk)
        for topic, partners in mapping.items():
            if topic.operator_id != operator.pk or any(
                partner.operator_id != operator.pk for partner in partners
            ):
                raise ValidationError("Cette thématique ou ce partenaire n'existe pas.")
            wanted = {partner.pk for partner in partners}
            rows = TopicPartner.objects.filter(topic=topic)
            rows.exclude(partner_id__in=wanted).delete()
            kept = set(rows.values_list("partner_id", flat=True))
            TopicPartner.objects.bulk_create(
                TopicPartner(operator_id=operator.pk, topic=topic, partner_id=partner_id)
                for partner_id in sorted(wanted - kept)
            )
