"""Production: Brevo's transactional SMS API (a French provider).

`POST {ALLERVERS_SMS_BREVO_URL}` (default https://api.brevo.com/v3/transactionalSMS/send) with
the header `api-key: {ALLERVERS_SMS_BREVO_API_KEY}` and the JSON body
`{"sender", "recipient", "content", "type": "transactional", "unicodeEnabled"}`: the sender is
`ALLERVERS_SMS_SENDER` (at most 11 letters or digits), the recipient the number with its country
code and without "+". A 2xx answer's JSON carries `messageId`, the id its delivery reports name
(`reports.py`). Brevo unreachable, or answering 429 (too many requests) or 5xx, raises
`SmsUnavailable` (tried again later); any other answer, or no answer in time once the request
has left (the SMS may have been taken), raises `SmsError`."""

import json
import urllib.error
import urllib.request

from django.conf import settings

from ..texts import is_gsm7
from . import SmsError, SmsUnavailable

TIMEOUT_SECONDS = 10
# An error answer is quoted on the message's row, bounded.
QUOTED = 300
# The answers that say Brevo did not take the SMS and may take it later.
BUSY = {429, 500, 502, 503, 504}
ANSWER_LENGTH = 10_000


class SmsBackend:
    def __init__(self):
        self.url = settings.ALLERVERS_SMS_BREVO_URL
        self.api_key = settings.ALLERVERS_SMS_BREVO_API_KEY
        self.sender = settings.ALLERVERS_SMS_SENDER

    def send(self, to: str, text: str) -> str:
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
                answer = response.read(ANSWER_LENGTH)
        except urllib.error.HTTPError as error:
            answer = error.read(QUOTED).decode("utf-8", "replace")
            refused = SmsUnavailable if error.code in BUSY else SmsError
            raise refused(f"Brevo a refusé l'envoi ({error.code}) : {answer}") from None
        except urllib.error.URLError as error:
            # Not connected: the request did not leave.
            raise SmsUnavailable(f"Brevo injoignable : {error.reason}") from None
        except (TimeoutError, OSError) as error:
            raise SmsError(
                f"Brevo injoignable : {error} (le SMS est peut-être parti : pas de nouvel essai)"
            ) from None
        return message_id(answer)


def message_id(answer: bytes) -> str:
    """The `messageId` of Brevo's answer ("" when it has none: no delivery report will match)."""
    try:
        found = json.loads(answer).get("messageId")
    except (ValueError, AttributeError):
        return ""
    return str(found) if isinstance(found, (int, str)) and not isinstance(found, bool) else ""
