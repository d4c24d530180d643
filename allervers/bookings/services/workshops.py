"""Workshops at a stop, their registrations and waiting list."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.core.revision import stamps_public_revision
from allervers.planning.enums import DEFAULT_CYBER_CAPACITY, SpaceKind, StopStatus
from allervers.planning.models import Space, Stop

from .. import notify
from ..enums import BookingSource, RegistrationStatus
from ..locks import lock_row
from ..models import Registration, Workshop
from ..times import local_moment
from .contacts import Contact, contact_check, contact_matches
from .refusals import ALREADY_CANCELLED, STOP_CANCELLED, WORKSHOP_CANCELLED

ALREADY_REGISTERED = "Ces coordonnées sont déjà inscrites à cet atelier."
WORKSHOP_PAST = "Cet atelier a déjà eu lieu."
WORKSHOP_STARTED = "Cet atelier a déjà commencé : il ne peut plus être modifié ni annulé."


@stamps_public_revision
def registration_create(
    *,
    workshop: Workshop,
    contact: Contact,
    source: str = BookingSource.PUBLIC,
    by=None,
    now: datetime.datetime | None = None,
    request=None,
) -> Registration:
    """A seat if one is free, else a place on the waiting list (the status says which). With the
    agent's `request`, a followed person's registration is journaled."""
    now = now or timezone.now()
    contact = contact_check(contact, source=source)
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
        if contact_matches(active, contact).exists():
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
        if contact.person is not None:
            journal(request, Action.PERSON_CHANGED, registration, detail="inscription à un atelier")
        notify.after_commit("registration_booked", registration)
        return registration


def waiting_list_promote(workshop: Workshop, *, now: datetime.datetime) -> list[Registration]:
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


@stamps_public_revision
def registration_cancel(
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
        return waiting_list_promote(registration.workshop, now=now)


def workshop_seats(stop: Stop) -> int:
    """The default capacity of a workshop at `stop`: the places of its vehicle's cyber@atelier."""
    space = Space.objects.filter(vehicle_id=stop.vehicle_id, kind=SpaceKind.CYBER).first()
    return space.capacity if space else DEFAULT_CYBER_CAPACITY


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


@stamps_public_revision
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


@stamps_public_revision
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
    return waiting_list_promote(workshop, now=now)


@stamps_public_revision
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
