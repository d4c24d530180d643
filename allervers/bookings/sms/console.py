"""Development: the SMS is printed on the standard output (nothing leaves the machine)."""

import sys


class SmsBackend:
    def send(self, to: str, text: str) -> None:
        sys.stdout.write(f"SMS à {to} : {text}\n")
        sys.stdout.flush()
