"""Sending SMS: a tiny backend interface, chosen by `ALLERVERS_SMS_BACKEND` (a dotted path).

A backend is a class whose instances have `send(to: str, text: str) -> None`: `to` is an E.164
number (+33612345678); a failure raises an exception (`SmsError` for the expected ones) whose
text the message's row keeps. Backends: `console` (prints, development), `file` (appends to a file,
development and tests), `brevo` (Brevo's transactional SMS API, production)."""

from django.conf import settings
from django.utils.module_loading import import_string


class SmsError(Exception):
    """The SMS was not sent; the text says why (kept on the message's row)."""


def backend():
    """An instance of the configured backend: a dotted path to its class, or the short name of
    one of ours ("console", "file", "brevo")."""
    path = settings.ALLERVERS_SMS_BACKEND
    if "." not in path:
        path = f"allervers.bookings.sms.{path}.SmsBackend"
    return import_string(path)()


def send(to: str, text: str) -> None:
    backend().send(to, text)
