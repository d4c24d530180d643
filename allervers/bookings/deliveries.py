"""The delivery reports of the bookings' SMS: the recorder `core.sms_delivery` asks (registered in
`apps.py`). Every status reported is kept (`BookingMessageReport`, once per status and moment);
the message keeps the furthest (`sms_delivery.moves_forward`)."""

import datetime

from django.db import transaction

from allervers.core.sms_delivery import moves_forward

from .enums import MessageChannel
from .models import BookingMessage, BookingMessageReport


@transaction.atomic
def booking_message_delivery_record(
    provider_message_id: str, status: str, at: datetime.datetime
) -> bool:
    """Record a status reported for one of the bookings' SMS; False when the id is not one."""
    if not provider_message_id:
        return False
    message = (
        BookingMessage.objects.select_for_update()
        .filter(channel=MessageChannel.SMS, provider_message_id=provider_message_id)
        .first()
    )
    if message is None:
        return False
    BookingMessageReport.objects.get_or_create(
        message=message,
        status=status,
        reported_at=at,
        defaults={"operator_id": message.operator_id},
    )
    if moves_forward(message.delivery_status, status):
        message.delivery_status = status
        message.delivery_at = at
        message.save(update_fields=["delivery_status", "delivery_at"])
    return True
