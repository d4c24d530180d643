"""Development: the SMS is printed on the standard output (nothing leaves the machine)."""

import sys

from . import made_up_id


class SmsBackend:
    def send(self, to: str, text: str) -> str:
        sys.stdout.write(f"SMS à {to} : {text}\n")
        sys.stdout.flush()
        return made_up_id("console")
