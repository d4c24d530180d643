"""What the team sees of a booking's messages: each one, what it said, on which channel, and
where it stands (for an SMS, its delivery as the provider reports it: envoyé, remis, échec,
expiré — non envoyé). Never the text or the number."""

from .enums import MessageChannel, MessageStatus
from .models import BookingMessage

# What each event's message tells the person.
EVENT_LABELS = {
    "appointment_booked": "Confirmation",
    "appointment_moved": "Rendez-vous déplacé",
    "appointment_cancelled": "Annulation",
    "registration_booked": "Inscription",
    "registration_cancelled": "Annulation",
    "registration_promoted": "Place libérée",
    "reminder": "Rappel de la veille",
    "stop_cancelled": "Permanence annulée",
    "stop_moved": "Permanence déplacée",
}


def _shown(message: BookingMessage) -> BookingMessage:
    message.what = EVENT_LABELS.get(message.event, message.event)
    if message.delivery_status:
        message.state = message.get_delivery_status_display()
        message.state_at = message.delivery_at
    else:
        message.state = message.get_status_display().lower()
        message.state_at = message.sent_at
    # A message waiting for its next attempt says when; a failure or a refusal says why.
    message.detail = message.error
    message.is_problem = message.status in (MessageStatus.FAILED, MessageStatus.EXPIRED) or (
        message.delivery_status == "failed"
    )
    return message


def booking_messages(operator, kind: str, booking_id: int) -> list[BookingMessage]:
    """The messages of one booking, oldest first, each with `what`, `state`, `state_at`,
    `detail` and `is_problem`."""
    # An e-mail not sent for want of an address is no news; an SMS not sent says why.
    rows = BookingMessage.objects.filter(
        operator=operator, booking_kind=kind, booking_id=booking_id
    ).exclude(status=MessageStatus.SKIPPED, channel=MessageChannel.EMAIL)
    return [_shown(row) for row in rows.order_by("created_at", "pk")]


def sms_attach(operator, kind: str, bookings) -> None:
    """Give each booking `sms_messages`: its SMS, oldest first (as `booking_messages`)."""
    by_booking = {booking.pk: [] for booking in bookings}
    rows = BookingMessage.objects.filter(
        operator=operator,
        booking_kind=kind,
        booking_id__in=list(by_booking),
        channel=MessageChannel.SMS,
    ).order_by("created_at", "pk")
    for row in rows:
        by_booking[row.booking_id].append(_shown(row))
    for booking in bookings:
        booking.sms_messages = by_booking[booking.pk]
