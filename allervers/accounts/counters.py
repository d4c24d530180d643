"""The counters behind every limit: failures from one address (the login's flood guard), wrong
codes of one account, reset e-mails of one address or from one client, residents' bookings.

A count is one atomic `UPDATE ... SET count = count + 1` of a `LimitCounter` row (its lock held
to the end of the count's transaction), never a read followed by a write: twenty requests at
once count twenty, on SQLite and on PostgreSQL alike, whatever the cache (the cache's own
`incr` is a read and a write on the database cache). A counter lives for `seconds` after its
first count (or after its latest one with `restart`); an expired counter starts again from one
in place, and expired rows are deleted, a batch at a time, as new counters are made."""

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .models import LimitCounter

PURGE_BATCH = 100


def _row_key(key: str) -> str:
    return salted_hmac("allervers.accounts.counters", key, algorithm="sha256").hexdigest()


@transaction.atomic
def counter_increment(key: str, *, seconds: int, restart: bool = False) -> int:
    """Count one for `key`; the count within its period, this one included."""
    row_key, now = _row_key(key), timezone.now()
    expires_at = now + datetime.timedelta(seconds=seconds)
    counting = {"count": F("count") + 1}
    if restart:
        counting["expires_at"] = expires_at
    live = LimitCounter.objects.filter(key=row_key)
    counted = live.filter(expires_at__gt=now).update(**counting) or live.filter(
        expires_at__lte=now
    ).update(count=1, expires_at=expires_at)
    if not counted:
        try:
            with transaction.atomic():
                _purge(now)
                LimitCounter.objects.create(key=row_key, count=1, expires_at=expires_at)
        except IntegrityError:  # made at the same moment by another request: count on it
            live.update(**counting)
    # The row is locked by this transaction's UPDATE (or INSERT): no other count in between.
    return live.values_list("count", flat=True).get()


def _purge(now) -> None:
    """Delete up to a hundred expired counters, skipping those another request holds (it may
    be starting one again): a purge never waits for a lock, so it never deadlocks."""
    expired = LimitCounter.objects.filter(expires_at__lte=now).select_for_update(skip_locked=True)
    LimitCounter.objects.filter(pk__in=expired.values("pk")[:PURGE_BATCH]).delete()


def counter_value(key: str) -> int:
    """The count of `key` within its period (0 when it never counted or expired)."""
    row_key = _row_key(key)
    found = LimitCounter.objects.filter(key=row_key, expires_at__gt=timezone.now())
    return found.values_list("count", flat=True).first() or 0


def counter_delete(key: str) -> None:
    LimitCounter.objects.filter(key=_row_key(key)).delete()
