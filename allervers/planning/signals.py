"""What the planning tells other apps: a stop was cancelled, moved or restored.

`stop_changed` is a Django signal sent once per change, after the change is committed (never
when it rolls back). The planning e-mails the partners and agents itself (`tasks.py`); other
apps — bookings, to tell the people booked on the stop — connect a receiver, the planning never
imports them:

    from django.dispatch import receiver
    from allervers.planning.signals import stop_changed

    @receiver(stop_changed)
    def tell_the_people_booked(sender, *, kind, operator_id, stop_id, previous, at, **kwargs):
        booking_change_email.enqueue(stop_id, kind, previous)

Keyword arguments: `kind` (a `StopEventKind`: cancelled, moved, restored), `operator_id`,
`stop_id`, `previous` (the slot before the change in words, "12/03/2026 de 09:00 à 12:00,
Place du Regain"; for a cancellation or a restoration, the stop's slot, which does not change),
`at` (when the change was made). The sender is the `Stop` model.

Sent with `send_robust`, after the commit: the change is already saved and cannot be undone, so
a receiver that fails must neither stop the other receivers (nor the other after-commit work of
the request, such as the planning's own e-mails) nor turn a done cancellation into an error
page for the coordinator. Django logs a failing receiver's exception (logger
`django.dispatch`). A receiver reads the database afresh, and does its slow work in a task.
"""

import datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .enums import StopEventKind
from .models import Stop

stop_changed = Signal()


def stop_changed_on_commit(
    stop: Stop, kind: StopEventKind, previous: str, at: datetime.datetime | None = None
) -> None:
    """Send `stop_changed` for `stop` once the current transaction commits."""
    arguments = {
        "kind": kind,
        "operator_id": stop.operator_id,
        "stop_id": stop.pk,
        "previous": previous,
        "at": at or timezone.now(),
    }
    transaction.on_commit(lambda: stop_changed.send_robust(sender=Stop, **arguments))


# Sent by the rota's writes (`rota_apply`, generation) INSIDE their transaction, with
# `send` (not robust): a receiver that refuses (a ValidationError) undoes the whole change, so
# that nothing the rota promised is half made. Keyword arguments: `operator_id`, `presence_ids`
# (the presences made or kept by the pattern's rota whose line says « reçoit sur rendez-vous »),
# `by` (who applied the rota, or None). The bookings app opens the partner's appointments there
# (`bookings/receivers.py`), with its usual length and desks; the planning never imports it.
rota_presences_with_appointments = Signal()
