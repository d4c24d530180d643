"""The bookings follow a stop cancelled or moved: the planning's stop change hook
(`stop_bookings_follow`, registered in `apps.py`), called inside the stop change's transaction.

A stop cancelled: its active bookings are cancelled and each person is told once (a stop
restored afterwards starts with no bookings: the people were told not to come). A stop moved:
its openings, appointments and workshops follow its new hours (shifted by as much as its start;
what no longer fits a shorter stop is cancelled, its people told), and each person with an active
booking is told the new moment once per move. A stop restored: nothing (its bookings were
cancelled with it). The people are told after the commit."""

import datetime

from django.db import transaction

from allervers.planning.enums import StopEventKind
from allervers.planning.models import Stop, StopEvent

from .. import notify
from ..enums import AppointmentStatus, RegistrationStatus
from ..models import Appointment, AppointmentOpening, Registration, Workshop


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
