"""Development and tests: each SMS is appended, one JSON line, to `sms.jsonl` in
`ALLERVERS_SMS_FILE_DIR` (made if missing)."""

import json
from pathlib import Path

from django.conf import settings

FILE_NAME = "sms.jsonl"


def sms_file() -> Path:
    return Path(settings.ALLERVERS_SMS_FILE_DIR) / FILE_NAME


def sent_sms() -> list[dict]:
    """The SMS written so far, oldest first: [{"to": ..., "text": ...}, ...]."""
    path = sms_file()
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class SmsBackend:
    def send(self, to: str, text: str) -> None:
        path = sms_file()
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"to": to, "text": text}, ensure_ascii=False)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
