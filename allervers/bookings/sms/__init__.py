"""Sending SMS: a tiny backend interface, chosen by `ALLERVERS_SMS_BACKEND` (a dotted path).

A backend is a class whose instances have `send(to: str, text: str) -> str`: `to` is an E.164
number (+33612345678); it returns the provider's id of the message (what its delivery reports
name, `allervers/core/sms_delivery.py`). A failure raises an exception (`SmsError` for the
expected ones) whose text the message's row keeps; `SmsUnavailable` when the provider surely
did not take the message (unreachable, busy): it may be tried again without being sent twice.
Backends: `console` (prints, development), `file` (appends to a file, development and tests),
`fake` (the file, plus an outage to switch on and delivery reports to post: tests and benches),
`brevo` (Brevo's transactional SMS API, production)."""

import uuid

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The SMS was not sent, or may not have been; the text says why (kept on the message's
    row). Never tried again: it may have left."""


class SmsUnavailable(SmsError):
    """The provider did not take the SMS (it could not be reached, or answered that it is busy
    or down): nothing left, so it may be tried again later."""


def backend():
    """An instance of the configured backend: a dotted path to its class, or the short name of
    one of ours ("console", "file", "fake", "brevo")."""
    path = settings.ALLERVERS_SMS_BACKEND
    if "." not in path:
        path = f"allervers.bookings.sms.{path}.SmsBackend"
    return import_string(path)()


def made_up_id(prefix: str) -> str:
    """A message id for the backends without a provider (unique, never a number's trace)."""
    return f"{prefix}-{uuid.uuid4().hex}"


def send(to: str, text: str) -> str:
    """Send one SMS; the provider's id of the message."""
    return backend().send(to, text)
