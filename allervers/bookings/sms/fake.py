"""Tests and benches: a local fake provider.

Each SMS is written like the `file` backend (the same file, with the id it makes up) and kept in
memory too (`SENT`, with the moment it arrived, `time.monotonic()`). Like a real provider it
refuses, as busy (`SmsUnavailable`, « 429 »), an SMS beyond `ALLERVERS_SMS_FAKE_RATE_PER_SECOND`
within the last second (0: no limit). It can be down: `outage_start` / `outage_end` (a flag file
beside the SMS file, so a worker in another process sees it too) or `OUTAGE` (this process
only). It makes the delivery reports a provider would post to the generic webhook
(`delivery_reports`, format in `reports.py`)."""

import datetime
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import SmsUnavailable, file

OUTAGE_FILE = "outage"
OUTAGE = threading.Event()
_lock = threading.Lock()


@dataclass(frozen=True)
class FakeSms:
    to: str
    text: str
    at: float
    message_id: str


SENT: list[FakeSms] = []


def _outage_flag() -> Path:
    return Path(settings.ALLERVERS_SMS_FILE_DIR) / OUTAGE_FILE


def outage_start() -> None:
    flag = _outage_flag()
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.touch()


def outage_end() -> None:
    _outage_flag().unlink(missing_ok=True)


def is_down() -> bool:
    return OUTAGE.is_set() or _outage_flag().exists()


def fake_reset() -> None:
    """Nothing sent, no outage (this process's list and both outage switches)."""
    with _lock:
        SENT.clear()
    OUTAGE.clear()
    outage_end()


def delivery_reports(status: str = "delivered", at: datetime.datetime | None = None) -> list:
    """One report per SMS written so far, in the generic webhook's format."""
    moment = (at or timezone.now()).isoformat()
    return [{"id": line["id"], "status": status, "at": moment} for line in file.sms_written()]


class SmsBackend(file.SmsBackend):
    prefix = "fake"

    def __init__(self):
        self.rate = getattr(settings, "ALLERVERS_SMS_FAKE_RATE_PER_SECOND", 0)

    def send(self, to: str, text: str) -> str:
        if is_down():
            raise SmsUnavailable("Fournisseur de SMS indisponible (panne simulée).")
        now = time.monotonic()
        with _lock:
            if self.rate and sum(1 for sms in SENT[-self.rate :] if now - sms.at < 1) >= self.rate:
                raise SmsUnavailable("429 : trop de SMS par seconde.")
            message_id = super().send(to, text)
            SENT.append(FakeSms(to=to, text=text, at=now, message_id=message_id))
        return message_id
