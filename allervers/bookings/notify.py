"""The one door from a booking's change to the messages it sends (issue 13 point 6).

Services call `after_commit(event, booking)` inside their transaction; the message is queued
once the booking is saved (never when it rolls back). Events:

- "appointment_booked", "appointment_moved", "appointment_cancelled"
- "registration_booked" (a seat or a waiting-list place), "registration_cancelled",
  "registration_promoted" (from the waiting list to a seat)

`_send` enqueues the task `tasks.send_booking_messages` (its arguments are keys), which sends
the e-mail and the SMS, each once (`messages.py`). The stop changes (`receivers.py`) and the
reminders (`manage.py send_booking_reminders`) go through `enqueue` with their own events."""

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
    # Robust: the booking is saved whatever happens to its message (a failure is logged).
    transaction.on_commit(lambda: _send(event, kind, pk), robust=True)


def _send(event: str, kind: str, pk: int) -> None:
    """Queue the messages of `event` for the booking `pk` (see module docstring)."""
    enqueue(event, kind, pk)


def enqueue(event: str, kind: str, pk: int, discriminator: str = "") -> None:
    """Queue the task that sends the messages of `event` for one booking. `discriminator` tells
    apart two messages of the same event that must each go once (a reminder's date, the moment
    of a stop's move)."""
    from .tasks import send_booking_messages

    send_booking_messages.enqueue(kind, pk, event, discriminator)
