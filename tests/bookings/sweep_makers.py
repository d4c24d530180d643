"""Makers of the bookings' URL arguments, for the role × URL sweep and the canary."""

from tests.bookings.factories import WorkshopFactory
from tests.planning.factories import future_stop

MAKERS = {
    "workshop_id": lambda operator, membership: (
        WorkshopFactory(stop=future_stop(operator=operator)).pk
    ),
}
