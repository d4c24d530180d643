"""Makers of the bookings' URL arguments, for the role × URL sweep and the public canary."""

from tests.bookings.factories import RegistrationFactory, WorkshopFactory
from tests.planning.factories import future_stop


def _workshop(operator):
    return WorkshopFactory(stop=future_stop(operator=operator))


MAKERS = {
    "workshop_id": lambda operator, membership: _workshop(operator).pk,
    "registration_id": lambda operator, membership: (
        RegistrationFactory(workshop=_workshop(operator), operator=operator).pk
    ),
}
