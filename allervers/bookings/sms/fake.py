"""Tests and the bench: a local fake provider. Each SMS is kept in memory (`SENT`, with the
moment it arrived, `time.monotonic()`), and answered with a provider's message id
("fake-<n>"), like a real provider that reports deliveries. It refuses, as a provider does
(`SmsError`, « 429 »), an SMS beyond `ALLERVERS_SMS_FAKE_RATE_PER_SECOND` within the last
second (0: no limit), and fails every SMS while `OUTAGE` is set (a provider outage)."""

import itertools
import threading
import time
from dataclasses import dataclass

from django.conf import settings

from . import SmsError

_lock = threading.Lock()
_ids = itertools.count(1)


@dataclass(frozen=True)
class FakeSms:
    to: str
    text: str
    at: float
    message_id: str


SENT: list[FakeSms] = []
OUTAGE = threading.Event()


def fake_reset() -> None:
    with _lock:
        SENT.clear()
    OUTAGE.clear()


class SmsBackend:
    def __init__(self):
        self.rate = getattr(settings, "ALLERVERS_SMS_FAKE_RATE_PER_SECOND", 0)

    def send(self, to: str, text: str) -> str:
        if OUTAGE.is_set():
            raise SmsError("Fournisseur injoignable (panne simulée).")
        now = time.monotonic()
        with _lock:
            if self.rate:
                recent = sum(1 for sms in SENT[-self.rate :] if now - sms.at < 1)
                if recent >= self.rate:
                    raise SmsError("429 : trop de SMS par seconde.")
            message_id = f"fake-{next(_ids)}"
            SENT.append(FakeSms(to=to, text=text, at=now, message_id=message_id))
        return message_id
