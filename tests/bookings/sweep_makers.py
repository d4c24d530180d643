"""Makers of the bookings' URL arguments for the role × URL sweep (tests/operators/sweep.py) and
the public canary.

A partner's member may only open its own organisation's openings and appointments: for one, the
maker makes them for its partner."""

from allervers.core.roles import Role
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.planning.factories import future_stop


def _opening(operator, membership):
    partner = None
    if (
        membership is not None
        and membership.role == Role.PARTNER
        and membership.operator == operator
    ):
        partner = membership.partner
    return AppointmentOpeningFactory(stop=future_stop(operator=operator), partner=partner)


def _workshop(operator):
    return WorkshopFactory(stop=future_stop(operator=operator))


MAKERS = {
    "opening_id": lambda operator, membership: _opening(operator, membership).pk,
    "appointment_id": lambda operator, membership: (
        AppointmentFactory(opening=_opening(operator, membership)).pk
    ),
    "workshop_id": lambda operator, membership: _workshop(operator).pk,
    "registration_id": lambda operator, membership: (
        RegistrationFactory(workshop=_workshop(operator), operator=operator).pk
    ),
    # The SMS delivery-report webhook (POST only, its secret in the address).
    "provider": lambda operator, membership: "generic",
    "secret": lambda operator, membership: "pas-le-secret",
}
