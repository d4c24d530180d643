"""The appointment slots of an opening and how many places each still has.

Two limits at every moment: the opening's `desks` (the partner's own desks), and the places of
the vehicle's office shared by every opening of the stop. An appointment overlapping a slot
takes a place in it; counting the overlapping appointments of a slot is never below the most
held at one moment, so a slot whose count is under both limits can take one more."""

import datetime
from dataclasses import dataclass

from allervers.planning.enums import DEFAULT_OFFICE_CAPACITY, SpaceKind
from allervers.planning.models import Space, Stop

from .models import Appointment, AppointmentOpening


@dataclass(frozen=True)
class Slot:
    start_time: datetime.time
    end_time: datetime.time
    free: int

    @property
    def label(self) -> str:
        return f"{self.start_time:%H:%M}"


def _plus(time: datetime.time, minutes: int) -> datetime.time | None:
    moment = datetime.datetime.combine(datetime.date(2000, 1, 1), time)
    later = moment + datetime.timedelta(minutes=minutes)
    return later.time() if later.date() == moment.date() else None


def slot_times(opening: AppointmentOpening) -> list[tuple[datetime.time, datetime.time]]:
    """(start, end) of each slot, from the opening's start, while a whole slot fits."""
    times = []
    start = opening.start_time
    while True:
        end = _plus(start, opening.slot_minutes)
        if end is None or end > opening.end_time:
            return times
        times.append((start, end))
        start = end


def office_places(stop: Stop) -> int:
    space = Space.objects.filter(vehicle_id=stop.vehicle_id, kind=SpaceKind.OFFICE).first()
    return space.capacity if space else DEFAULT_OFFICE_CAPACITY


def places_left(
    opening: AppointmentOpening,
    start_time: datetime.time,
    end_time: datetime.time,
    *,
    office: int,
    stop_appointments: list[Appointment],
    exclude_id: int | None = None,
) -> int:
    """Places left for an appointment from `start_time` to `end_time` in `opening`, given the
    appointments holding a place at its stop (every opening)."""
    overlapping = [
        appointment
        for appointment in stop_appointments
        if appointment.start_time < end_time
        and appointment.end_time > start_time
        and appointment.pk != exclude_id
    ]
    own = sum(1 for appointment in overlapping if appointment.opening_id == opening.pk)
    return max(0, min(opening.desks - own, office - len(overlapping)))


def stop_appointments(stop: Stop) -> list[Appointment]:
    return list(
        Appointment.objects.filter(opening__stop=stop)
        .holding_place()
        .only("pk", "opening_id", "start_time", "end_time")
    )


def opening_slots(opening: AppointmentOpening) -> list[Slot]:
    """Every slot of the opening with its places left (past ones included: callers filter)."""
    stop = opening.stop
    office = office_places(stop)
    booked = stop_appointments(stop)
    return [
        Slot(start, end, places_left(opening, start, end, office=office, stop_appointments=booked))
        for start, end in slot_times(opening)
    ]
