"""The second factor (django-otp): who needs it, enrolment, checking a code, backup codes, reset.

A person proves the second factor with the 6-digit code of an authenticator application (a
`TOTPDevice`, confirmed once the first code is typed) or with one of their single-use backup
codes (the tokens of one `StaticDevice`). django-otp keeps the device that verified the login in
the session (`django_otp.DEVICE_ID_SESSION_KEY`); `SecondFactorMiddleware` sends everyone who
needs a second factor and has not given it to the code step, or to enrolment when they have no
device yet.
"""

import base64
import secrets
from binascii import unhexlify

import django_otp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from allervers.accesslog.enums import Action
from allervers.accesslog.services import record
from allervers.core.roles import SECOND_FACTOR_ROLES
from allervers.operators.models import Membership

from .sessions import end_all_sessions

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Application d'authentification"
BACKUP_DEVICE_NAME = "Codes de secours"
# The new backup codes, kept in the session between the action and the page that shows them once.
NEW_BACKUP_CODES = "allervers_new_backup_codes"
NO_DEVICE = "Cette personne n'a pas de double authentification à réinitialiser."
NOT_ENROLLED = "Activez d'abord la double authentification."
BACKUP_CODE_SALT = "allervers.accounts.backup_code"


def needs_second_factor(user) -> bool:
    """Whether `user` must give a second factor: platform staff, every member whose role reads
    personal data, and anyone who enrolled a device (a funder who chose to)."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return Membership.objects.filter(
        user=user, is_active=True, role__in=SECOND_FACTOR_ROLES
    ).exists() or has_second_factor(user)


def second_factor_missing(user) -> bool:
    """Whether `user` is logged in, must give a second factor, and has not in this session."""
    return user.is_authenticated and not user.is_verified() and needs_second_factor(user)


def second_factor_step(user) -> str:
    """The URL name of the step `user` must go through: the code, or enrolment without a device."""
    if has_second_factor(user):
        return "accounts:second_factor_verify"
    return "accounts:second_factor_enrol"


def has_second_factor(user) -> bool:
    """Whether `user` has a confirmed authenticator application."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_of(device: TOTPDevice) -> str:
    """The device's secret as an authenticator application asks for it (base32)."""
    return base64.b32encode(unhexlify(device.key)).decode()


def secret_for_reading(device: TOTPDevice) -> str:
    """The secret in groups of four characters, easier to copy by hand."""
    secret = secret_of(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(typed: str) -> str:
    """A code as stored: without the spaces and dashes people type, lower-case."""
    return "".join(typed.split()).replace("-", "").lower()


def backup_code_for_reading(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def enrolment_device(*, user) -> TOTPDevice:
    """The user's application being set up (not confirmed yet): the same one until it is
    confirmed, so that reloading the page does not change the QR code."""
    locked = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False)
    device = locked.order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def code_check(*, user, code: str) -> TOTPDevice | StaticDevice | None:
    """The confirmed device that accepts `code` (a TOTP code, or a backup code, then used up),
    or None. Each TOTP code is accepted once (django-otp remembers its time step)."""
    code = normalise_code(code)
    if not code:
        return None
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            token = code if model is TOTPDevice else _stored_backup_code(device, code)
            if device.verify_token(token):
                return device
    return None


def backup_code_digest(code: str, *, secret: str | None = None) -> str:
    """How a backup code is stored: an HMAC of it under a key derived from the secret key, in
    the 16 characters django-otp's token column holds. The database alone gives no code back,
    and trying the 31⁸ possible codes needs the secret key too."""
    return salted_hmac(
        BACKUP_CODE_SALT, normalise_code(code), secret=secret, algorithm="sha256"
    ).hexdigest()[:16]


def _stored_backup_code(device: StaticDevice, code: str) -> str:
    """The stored form of `code` for this device: under the current secret key, or under a
    previous one (`SECRET_KEY_FALLBACKS`) for the codes made before a key change. One guess
    counts once in django-otp's throttle, whichever key matches."""
    digests = [
        backup_code_digest(code, secret=secret)
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ]
    found = set(device.token_set.filter(token__in=digests).values_list("token", flat=True))
    return next((digest for digest in digests if digest in found), digests[0])


def backup_codes_hash_existing(token_model) -> int:
    """Replace the backup codes stored in clear (eight characters, before issue 23) with their
    digests: the data migration `accounts/0002`. Returns how many were replaced."""
    changed = 0
    for token in token_model.objects.filter(token__regex=r"^[a-z0-9]{8}$").iterator():
        token_model.objects.filter(pk=token.pk).update(token=backup_code_digest(token.token))
        changed += 1
    return changed


@transaction.atomic
def enrolment_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> list[str]:
    """Confirm the application whose first code is `code`: it replaces any previous device of
    the user, the backup codes are made, the enrolment is logged in each structure of the user.
    Returns the backup codes (to show once). A wrong code: ValidationError, nothing changed."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not device.verify_token(normalise_code(code)):
        raise ValidationError(
            {"code": "Ce code ne correspond pas. Saisissez le code affiché en ce moment."}
        )
    user = device.user
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_backup_codes(user)
    for membership in Membership.objects.filter(user=user, is_active=True).select_related(
        "operator"
    ):
        record(request, Action.SECOND_FACTOR_ENROLLED, membership, operator=membership.operator)
    return codes


@transaction.atomic
def backup_codes_renew(*, user) -> list[str]:
    """New backup codes for `user`; the previous ones stop working."""
    if not has_second_factor(user):
        raise ValidationError(NOT_ENROLLED)
    return _new_backup_codes(user)


def _new_backup_codes(user) -> list[str]:
    # The same device, new tokens: a session verified by a backup code stays verified.
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_backup_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_digest(code)) for code in codes
    )
    return codes


def _backup_code() -> str:
    """Eight characters from an alphabet without look-alikes (no 0/o, 1/l/i)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


@transaction.atomic
def second_factor_reset(*, membership: Membership) -> Membership:
    """A coordinator's reset of a member's second factor (a lost telephone): the devices go,
    every session of the member ends, the member enrols again at the next login. Called only
    through `operators.services.member_second_factor_reset`, which first checks that the
    account is the structure's alone (not platform staff, no other active membership); the
    view logs it (`accesslog.services.logged`, the membership as object)."""
    user = membership.user
    devices = [TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)]
    if not any(queryset.exists() for queryset in devices):
        raise ValidationError(NO_DEVICE)
    for queryset in devices:
        queryset.delete()
    end_all_sessions(user)
    return membership


def mark_verified(request: HttpRequest, device) -> None:
    """The session has passed the second factor with `device` (a new session key: a session
    identifier known before the code step is worth nothing after it)."""
    request.session.cycle_key()
    django_otp.login(request, device)
