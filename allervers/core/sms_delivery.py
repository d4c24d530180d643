"""Delivery reports of SMS: the statuses a provider reports, and who owns a message id.

A provider's delivery-report webhook (`allervers/bookings/sms/reports.py`) reads one or more
(provider message id, status, moment) and hands each to `delivery_record`, which asks the
registered recorders in turn: each app that sends SMS registers one (`recorder_register`, in its
`AppConfig.ready`), a callable `(provider_message_id, status, at) -> bool` that records the
status when the id is one of its messages and returns True, else returns False without writing.

The statuses (`DeliveryStatus`) only go forward, by `RANK`: a late « sent » after « delivered »
changes nothing; a final status (delivered, failed, expired) is never replaced."""

import datetime
from collections.abc import Callable

from django.db import models


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "en attente d'envoi"
    SENT = "sent", "envoyé"
    DELIVERED = "delivered", "remis"
    FAILED = "failed", "échec"
    # Its moment passed before it could leave (a reminder after its appointment): never sent.
    EXPIRED = "expired", "expiré — non envoyé"


RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.FAILED: 2,
    DeliveryStatus.EXPIRED: 2,
}
FINAL = frozenset(status for status, rank in RANK.items() if rank == 2)


def moves_forward(current: str, reported: str) -> bool:
    """Whether a message at `current` takes the `reported` status (never backwards, a final
    status never replaced)."""
    if current in FINAL:
        return False
    return RANK.get(reported, -1) > RANK.get(current, -1)


Recorder = Callable[[str, str, datetime.datetime], bool]
_recorders: list[Recorder] = []


def recorder_register(recorder: Recorder) -> None:
    """Add an app's recorder (once: registering it again changes nothing)."""
    if recorder not in _recorders:
        _recorders.append(recorder)


def delivery_record(provider_message_id: str, status: str, at: datetime.datetime) -> bool:
    """Record a reported status with the recorder that owns the id; False when none does."""
    if status not in RANK:
        raise ValueError(f"Unknown delivery status: {status}")
    return any(recorder(provider_message_id, status, at) for recorder in _recorders)
