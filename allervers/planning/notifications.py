"""Who else must hear when a stop is cancelled, moved or restored.

The planning tells partners and agents itself (see `tasks.py`). Other apps — bookings, once they
exist — register a listener here to tell the people booked on the stop: the planning never
imports them, and every listener runs inside the service's transaction, so it may enqueue its own
tasks with `transaction.on_commit`.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class StopChangeKind(StrEnum):
    CANCELLED = "cancelled"
    MOVED = "moved"
    RESTORED = "restored"  # a cancelled stop takes place after all


@dataclass(frozen=True)
class StopChange:
    operator_id: int
    stop_id: int
    kind: StopChangeKind
    previous: str  # the slot before the change, in words ("12/03/2026 de 09:00 à 12:00, ...");
    # for a cancellation or a restoration, the stop's slot (it does not change)
    at: datetime.datetime


StopChangeListener = Callable[[StopChange], None]

_listeners: list[StopChangeListener] = []


def register_stop_change_listener(listener: StopChangeListener) -> StopChangeListener:
    """Register `listener` (usable as a decorator); registering twice has no effect."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unregister_stop_change_listener(listener: StopChangeListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def stop_change_announce(change: StopChange) -> None:
    for listener in list(_listeners):
        listener(change)
