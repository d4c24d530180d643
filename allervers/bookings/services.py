"""Every write of bookings: open appointments, book, move, cancel; workshops and their seats.

Each function is one transaction. The places are counted after locking the stop (appointments)
or the workshop (seats), so concurrent bookings of the last place give exactly one booking. A
refusal is a French `ValidationError` and saves nothing. Messages go through
`notify.after_commit`."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.planning.enums import StopStatus
from allervers.planning.models import PartnerPresence, Stop

from . import notify
from .enums import AppointmentStatus, BookingSource, RegistrationStatus
from .locks import lock_row
from .models import Appointment, AppointmentOpening, Registration, Workshop
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
        if stop.status != StopStatus.HELD:
            raise ValidationError(STOP_CANCELLED, code="stop_cancelled")
        if local_moment(stop.operator, stop.date, stop.end_time) <= now:
            raise ValidationError(STOP_PAST, code="stop_past")
        earliest, latest = stop.start_time, stop.end_time
        if partner is not None:
            presence = PartnerPresence.objects.filter(stop=stop, partner=partner).first()
            if presence is None:
                raise ValidationError(
                    {"partner": f"{partner.name} n'est pas prévu à cette permanence."}
                )
            earliest = presence.start_time or earliest
            latest = presence.end_time or latest
        start_time = start_time or earliest
        end_time = end_time or latest
        errors = {}
        if start_time < earliest or end_time > latest or end_time <= start_time:
            errors["start_time"] = (
                f"Les rendez-vous doivent tenir entre {earliest:%H:%M} et {latest:%H:%M}."
            )
        if not 5 <= slot_minutes <= 240:
            errors["slot_minutes"] = "La durée d'un rendez-vous va de 5 à 240 minutes."
        office = office_places(stop)
        if desks < 1 or desks > office:
            errors["desks"] = (
                f"Entre 1 et {office} rendez-vous en même temps (les places du bureau)."
            )
        if errors:
            raise ValidationError(errors)
        if AppointmentOpening.objects.filter(stop=stop, partner=partner).exists():
            raise ValidationError(
                "Les rendez-vous sont déjà ouverts pour ce partenaire à cette permanence."
            )
        opening = AppointmentOpening(
            operator_id=stop.operator_id,
            stop=stop,
            partner=partner,
            start_time=start_time,
            end_time=end_time,
            slot_minutes=slot_minutes,
            desks=desks,
            public_booking=public_booking,
            created_by=by,
        )
        if not slot_times(opening):
            raise ValidationError(
                {"slot_minutes": "Aucun rendez-vous de cette durée ne tient dans ces horaires."}
            )
        opening.save()
        return opening


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


# --- Workshops ----------------------------------------------------------------------------


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
