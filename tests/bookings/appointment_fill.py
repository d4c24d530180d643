"""Appointments' rows for the canary (tests/operators/canary.py): an opening with a booked
followed person, the bus team's opening with a contact, and the defaults of each."""

from allervers.bookings.services import booking_defaults_save
from tests.bookings.factories import AppointmentFactory, AppointmentOpeningFactory


def appointments_fill(operator, *, stop, partner, person) -> None:
    opening = AppointmentOpeningFactory(operator=operator, stop=stop, partner=partner)
    AppointmentFactory(operator=operator, opening=opening, person=person, first_name="")
    team = AppointmentOpeningFactory(operator=operator, stop=stop, partner=None)
    AppointmentFactory(operator=operator, opening=team, first_name="Nadia", email="n@example.org")
    booking_defaults_save(operator=operator, partner=partner, slot_minutes=45, desks=1)
    booking_defaults_save(operator=operator, slot_minutes=30, desks=2)
