"""Background work of bookings: the messages to the people who booked (arguments are keys)."""

from django.tasks import task

from . import messages


@task()
def send_booking_messages(
    kind: str, booking_id: int, event: str, discriminator: str = ""
) -> dict[str, str]:
    """The e-mail and SMS of `event` for one booking, each sent at most once (`messages`)."""
    return messages.booking_messages_send(
        kind=kind, booking_id=booking_id, event=event, discriminator=discriminator
    )
