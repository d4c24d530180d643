"""The links that let a resident cancel or move a booking without an account.

A link carries, signed with the site's secret key, the kind of booking, its id and its secret;
changing the secret (a move) revokes the old links. A link expires once the booked moment has
passed. A forged or altered link is refused the same way as an unknown one.

An SMS carries a short form of the link (`booking_short_url`: the kind, the id and the secret's
first `SHORT_SECRET` characters, 72 random bits), which leads to the signed one: a text with
its link then fits one SMS."""

import datetime
import re

from django.core import signing
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from .models import Appointment, Registration
from .times import booking_start

SALT = "allervers.bookings.link"
KINDS = {"a": Appointment, "r": Registration}
SHORT_SECRET = 12
SHORT_CODE = re.compile(rf"([ar])([1-9][0-9]{{0,17}})-([A-Za-z0-9_-]{{{SHORT_SECRET}}})")


class LinkRefused(Exception):
    """A link that cannot be used; `message` says why, in French, for the resident."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


FORGED = (
    "Ce lien n'est pas valable. Vérifiez qu'il a été copié en entier, ou appelez le bus "
    "pour changer votre réservation."
)
EXPIRED = "Ce lien a expiré : la date de ce rendez-vous est passée."


def _kind(booking: Appointment | Registration) -> str:
    return "a" if isinstance(booking, Appointment) else "r"


def booking_token(booking: Appointment | Registration) -> str:
    return signing.dumps([_kind(booking), booking.pk, booking.secret], salt=SALT, compress=True)


def short_code(booking: Appointment | Registration) -> str:
    return f"{_kind(booking)}{booking.pk}-{booking.secret[:SHORT_SECRET]}"


def booking_from_token(token: str, *, now: datetime.datetime | None = None):
    """The booking a link designates (an `Appointment` or a `Registration`, with its stop), or
    `LinkRefused`."""
    try:
        kind, pk, secret = signing.loads(token, salt=SALT)
        model = KINDS[kind]
        pk = int(pk)
    except (signing.BadSignature, ValueError, TypeError, KeyError):
        raise LinkRefused(FORGED) from None
    return _checked(model, pk, str(secret), lambda booking: booking.secret, now)


def booking_from_short_code(code: str, *, now: datetime.datetime | None = None):
    """The booking of a short link (`short_code`), or `LinkRefused`."""
    match = SHORT_CODE.fullmatch(code)
    if match is None:
        raise LinkRefused(FORGED)
    kind, pk, secret = match.groups()
    return _checked(
        KINDS[kind], int(pk), secret, lambda booking: booking.secret[:SHORT_SECRET], now
    )


def _checked(model, pk: int, secret: str, expected, now: datetime.datetime | None):
    related = (
        ["opening__stop__site", "opening__partner", "operator"]
        if model is Appointment
        else ["workshop__stop__site", "operator"]
    )
    booking = model.objects.select_related(*related).filter(pk=pk).first()
    if booking is None or not constant_time_compare(secret, expected(booking)):
        raise LinkRefused(FORGED)
    if booking_start(booking) <= (now or timezone.now()):
        raise LinkRefused(EXPIRED, expired=True)
    return booking


def booking_url(booking: Appointment | Registration) -> str:
    """The absolute address of the booking's page (cancel, move), for messages sent without a
    request: `ALLERVERS_SITE_URL` + the public page `public:booking_manage`."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("public:booking_manage", kwargs={"token": booking_token(booking)})
    return settings.ALLERVERS_SITE_URL.rstrip("/") + path


def booking_short_url(booking: Appointment | Registration) -> str:
    """The short address of the booking's page, for an SMS (it leads to `booking_url`'s)."""
    from django.conf import settings
    from django.urls import reverse

    path = reverse("public:booking_short", kwargs={"code": short_code(booking)})
    return settings.ALLERVERS_SITE_URL.rstrip("/") + path
