"""Development and tests: each SMS is appended, one JSON line {"to", "text", "id"}, to
`sms.jsonl` in `ALLERVERS_SMS_FILE_DIR` (made if missing)."""

import json
from pathlib import Path

from django.conf import settings

from . import made_up_id

FILE_NAME = "sms.jsonl"


def sms_file() -> Path:
    return Path(settings.ALLERVERS_SMS_FILE_DIR) / FILE_NAME


def sms_written() -> list[dict]:
    """The SMS written so far, oldest first, with their ids: [{"to", "text", "id"}, ...]."""
    path = sms_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def sent_sms() -> list[dict]:
    """The SMS written so far, oldest first: [{"to": ..., "text": ...}, ...]."""
    return [{"to": line["to"], "text": line["text"]} for line in sms_written()]


class SmsBackend:
    prefix = "file"

    def send(self, to: str, text: str) -> str:
        message_id = made_up_id(self.prefix)
        path = sms_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "text": text, "id": message_id}, ensure_ascii=False)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return message_id
