"""The one door from a booking's change to the messages it sends (issue 13 point 6).

Services call `after_commit(event, booking)` inside their transaction; the message is queued
once the booking is saved (never when it rolls back). Events:

- "appointment_booked", "appointment_moved", "appointment_cancelled"
- "registration_booked" (a seat or a waiting-list place), "registration_cancelled",
  "registration_promoted" (from the waiting list to a seat)

The messages work fills `_send` (background tasks, e-mail and SMS); until then this only
records nothing and sends nothing."""

from django.db import transaction

EVENTS = frozenset(
    {
        "appointment_booked",
        "appointment_moved",
        "appointment_cancelled",
        "registration_booked",
        "registration_cancelled",
        "registration_promoted",
    }
)


def after_commit(event: str, booking) -> None:
    if event not in EVENTS:
        raise ValueError(f"Unknown booking event: {event}")
    kind = "appointment" if event.startswith("appointment") else "registration"
    pk = booking.pk
    transaction.on_commit(lambda: _send(event, kind, pk))


def _send(event: str, kind: str, pk: int) -> None:
    """Queue the messages of `event` for the booking `pk` (see module docstring)."""
