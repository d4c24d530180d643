"""The confirmation codes (double opt-in, and unsubscribing from the public page): six digits,
only their digest kept on the subscription, good for `CODE_MINUTES`, `MAX_ATTEMPTS` wrong tries,
used once (a confirmed subscription's code is erased)."""

import datetime
import secrets

from django.utils.crypto import constant_time_compare, salted_hmac

CODE_MINUTES = 30
MAX_ATTEMPTS = 5
SALT = "allervers.alerts.code"


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def code_digest(subscription_id: int, code: str) -> str:
    return salted_hmac(SALT, f"{subscription_id}:{code}", algorithm="sha256").hexdigest()


def code_matches(subscription, code: str) -> bool:
    if not subscription.code_digest:
        return False
    return constant_time_compare(code_digest(subscription.pk, code), subscription.code_digest)


def code_expired(subscription, now: datetime.datetime) -> bool:
    sent = subscription.code_sent_at
    return sent is None or now - sent > datetime.timedelta(minutes=CODE_MINUTES)
