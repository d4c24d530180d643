"""Bookings' rows for the canary (tests/operators/canary.py): an opening with a booked
followed person, the bus team's opening with a contact, the defaults of each, a workshop with a
seat and a waiting-list place, and the messages sent about them (an SMS with the delivery its
provider reported)."""

from allervers.bookings.enums import RegistrationStatus
from allervers.bookings.models import BookingMessage, BookingMessageReport
from allervers.bookings.services.appointments import booking_defaults_save
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)


def bookings_fill(operator, *, stop, partner, person) -> None:
    opening = AppointmentOpeningFactory(operator=operator, stop=stop, partner=partner)
    AppointmentFactory(operator=operator, opening=opening, person=person, first_name="")
    team = AppointmentOpeningFactory(operator=operator, stop=stop, partner=None)
    booked = AppointmentFactory(
        operator=operator, opening=team, first_name="Nadia", email="n@example.org"
    )
    booking_defaults_save(operator=operator, partner=partner, slot_minutes=45, desks=1)
    booking_defaults_save(operator=operator, slot_minutes=30, desks=2)
    workshop = WorkshopFactory(operator=operator, stop=stop, title="Atelier CV", capacity=1)
    RegistrationFactory(operator=operator, workshop=workshop, person=person, first_name="")
    RegistrationFactory(
        operator=operator, workshop=workshop, status=RegistrationStatus.WAITING, first_name="Léa"
    )
    BookingMessage.objects.create(
        operator=operator,
        booking_kind="appointment",
        booking_id=booked.pk,
        event="appointment_booked",
        channel="email",
    )
    sms = BookingMessage.objects.create(
        operator=operator,
        booking_kind="appointment",
        booking_id=booked.pk,
        event="appointment_booked",
        channel="sms",
        status="sent",
        delivery_status="delivered",
        provider_message_id=f"canary-{operator.pk}",
    )
    BookingMessageReport.objects.create(
        operator=operator, message=sms, status="delivered", reported_at=sms.created_at
    )
