"""Tests and benches: a local fake provider. It writes each SMS like the `file` backend (the
same file, with the id it makes up), can be down (`outage_start` / `outage_end`: a flag file
beside it, so a worker in another process sees it too), and makes the delivery reports a
provider would post to the generic webhook (`delivery_reports`, format in `reports.py`)."""

import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from . import SmsUnavailable, file

OUTAGE_FILE = "outage"


def _outage_flag() -> Path:
    return Path(settings.ALLERVERS_SMS_FILE_DIR) / OUTAGE_FILE


def outage_start() -> None:
    flag = _outage_flag()
    flag.parent.mkdir(parents=True, exist_ok=True)
    flag.touch()


def outage_end() -> None:
    _outage_flag().unlink(missing_ok=True)


def is_down() -> bool:
    return _outage_flag().exists()


def delivery_reports(status: str = "delivered", at: datetime.datetime | None = None) -> list:
    """One report per SMS written so far, in the generic webhook's format."""
    moment = (at or timezone.now()).isoformat()
    return [{"id": line["id"], "status": status, "at": moment} for line in file.sms_written()]


class SmsBackend(file.SmsBackend):
    prefix = "fake"

    def send(self, to: str, text: str) -> str:
        if is_down():
            raise SmsUnavailable("Fournisseur de SMS indisponible (panne simulée).")
        return super().send(to, text)
