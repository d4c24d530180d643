"""Production: Brevo's transactional SMS API (a French provider).

`POST {ALLERVERS_SMS_BREVO_URL}` (default https://api.brevo.com/v3/transactionalSMS/send) with
the header `api-key: {ALLERVERS_SMS_BREVO_API_KEY}` and the JSON body
`{"sender", "recipient", "content", "type": "transactional", "unicodeEnabled"}`: the sender is
`ALLERVERS_SMS_SENDER` (at most 11 letters or digits), the recipient the number with its country
code and without "+". Any answer but 2xx, a timeout or a network error raises `SmsError`."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from ..texts import is_gsm7
from . import SmsError

TIMEOUT_SECONDS = 10
# An error answer is quoted on the message's row, bounded.
QUOTED = 300


class SmsBackend:
    def __init__(self):
        self.url = settings.ALLERVERS_SMS_BREVO_URL
        self.api_key = settings.ALLERVERS_SMS_BREVO_API_KEY
        self.sender = settings.ALLERVERS_SMS_SENDER

    def send(self, to: str, text: str) -> None:
        if not self.api_key:
            raise SmsError("Envoi de SMS non configuré : ALLERVERS_SMS_BREVO_API_KEY est vide.")
        body = {
            "sender": self.sender,
            "recipient": to.removeprefix("+"),
            "content": text,
            "type": "transactional",
            "unicodeEnabled": not is_gsm7(text),
        }
        request = urllib.request.Request(
            self.url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "api-key": self.api_key,
                "accept": "application/json",
                "content-type": "application/json",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read(QUOTED)
        except urllib.error.HTTPError as error:
            answer = error.read(QUOTED).decode("utf-8", "replace")
            raise SmsError(f"Brevo a refusé l'envoi ({error.code}) : {answer}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SmsError(f"Brevo injoignable : {reason}") from None
