"""The second factor (django-otp): who needs it, enrolment, checking a code, backup codes, reset.

A person proves the second factor with the 6-digit code of an authenticator application (an
`AuthenticatorDevice`, its TOTP secret encrypted at rest, confirmed once the first code is
typed) or with one of their single-use backup codes (the tokens of one `StaticDevice`).
django-otp keeps the device that verified the login in the session
(`django_otp.DEVICE_ID_SESSION_KEY`); `SecondFactorMiddleware` sends everyone who needs a second
factor and has not given it to the code step, or to enrolment when they have no device yet.
"""

import base64
import logging
import secrets

import django_otp
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.crypto import salted_hmac
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from allervers.accesslog.enums import Action
from allervers.accesslog.services import record
from allervers.core.roles import SECOND_FACTOR_ROLES
from allervers.operators.models import Membership

from .models import AuthenticatorDevice
from .secrets_at_rest import (
    SECRET_UNREADABLE,
    SecretUnreadable,
    secret_encrypt,
    secret_reencrypt,
)
from .sessions import end_all_sessions

logger = logging.getLogger(__name__)

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
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def app_device(user) -> AuthenticatorDevice | None:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).first()


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_of(device: AuthenticatorDevice) -> str:
    """The device's secret as an authenticator application asks for it (base32)."""
    return base64.b32encode(device.bin_key).decode()


def secret_for_reading(device: AuthenticatorDevice) -> str:
    """The secret in groups of four characters, easier to copy by hand."""
    secret = secret_of(device)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def normalise_code(typed: str) -> str:
    """A code as stored: without the spaces and dashes people type, lower-case."""
    return "".join(typed.split()).replace("-", "").lower()


def backup_code_for_reading(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@transaction.atomic
def enrolment_device(*, user) -> AuthenticatorDevice:
    """The user's application being set up (not confirmed yet): the same one until it is
    confirmed, so that reloading the page does not change the QR code. One whose secret no
    configured key opens any more (the keys changed meanwhile) is replaced by a new one."""
    locked = AuthenticatorDevice.objects.select_for_update().filter(user=user, confirmed=False)
    device = locked.order_by("pk").first()
    if device is not None and not _readable(device):
        locked.delete()
        device = None
    if device is None:
        device = AuthenticatorDevice.objects.create(
            user=user, name=APP_DEVICE_NAME, confirmed=False, bin_key=secrets.token_bytes(20)
        )
    return device


def _readable(device: AuthenticatorDevice) -> bool:
    try:
        return bool(device.bin_key)
    except SecretUnreadable:
        return False


def code_check(*, user, code: str) -> AuthenticatorDevice | StaticDevice | None:
    """The confirmed device that accepts `code` (a TOTP code, or a backup code, then used up),
    or None. Each TOTP code is accepted once (the device remembers its time step). A secret
    that no configured key decrypts: ValidationError with a French explanation (the backup
    codes still work), never counted as a wrong code."""
    code = normalise_code(code)
    if not code:
        return None
    model = AuthenticatorDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        for device in model.objects.select_for_update().filter(user=user, confirmed=True):
            token = code if model is AuthenticatorDevice else _stored_backup_code(device, code)
            if _verified(device, token):
                return device
    return None


def _verified(device, token: str) -> bool:
    try:
        return device.verify_token(token)
    except SecretUnreadable:
        # The device's number only: never the stored value, never a key.
        logger.error("The TOTP secret of authenticator device %s is unreadable.", device.pk)
        raise ValidationError(SECRET_UNREADABLE) from None


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
    digests: the data migration `accounts/0003`. Returns how many were replaced."""
    changed = 0
    for token in token_model.objects.filter(token__regex=r"^[a-z0-9]{8}$").iterator():
        token_model.objects.filter(pk=token.pk).update(token=backup_code_digest(token.token))
        changed += 1
    return changed


def totp_secrets_reencrypt() -> tuple[int, list[int]]:
    """Rewrite every stored TOTP secret under the current key (after a key change, before the
    previous key leaves the fallbacks): `manage.py second_factor_reencrypt`. Each device is
    rewritten under its row lock, alone; one that no configured key opens is left as it is.
    Returns how many were rewritten and the ids of the unreadable ones."""
    rewritten, unreadable = 0, []
    for pk in AuthenticatorDevice.objects.order_by("pk").values_list("pk", flat=True):
        with transaction.atomic():
            device = AuthenticatorDevice.objects.select_for_update().filter(pk=pk).first()
            if device is None:  # deleted meanwhile
                continue
            try:
                stored = secret_reencrypt(device.encrypted_key)
            except SecretUnreadable:
                unreadable.append(pk)
                continue
            AuthenticatorDevice.objects.filter(pk=pk).update(encrypted_key=stored)
            rewritten += 1
    return rewritten, unreadable


CLEAR_TOTP_TABLE = "otp_totp_totpdevice"


def totp_secrets_encrypt_existing(device_model, connection) -> int:
    """Move the applications django-otp's `TOTPDevice` stored with their secret in clear (before
    issue 23) into `device_model` with the secret encrypted, then delete every clear row: the
    data migration `accounts/0005`. The owners keep their application and its codes. The clear
    table is read through a model of its own (django-otp's TOTP app is no longer installed); a
    database without it has nothing to move. A row whose secret is not hexadecimal never
    checked a code: it is deleted and its owner enrols again. Returns how many were moved."""
    if CLEAR_TOTP_TABLE not in connection.introspection.table_names():
        return 0
    clear_devices = _clear_totp_model().objects.using(connection.alias)
    moved = 0
    for row in clear_devices.order_by("pk").iterator():
        try:
            key = bytes.fromhex(row.key)
        except (TypeError, ValueError):
            continue
        if not key:
            continue
        device = device_model.objects.using(connection.alias).create(
            user_id=row.user_id,
            name=row.name,
            confirmed=row.confirmed,
            encrypted_key=secret_encrypt(key),
            step=row.step,
            t0=row.t0,
            digits=row.digits,
            tolerance=row.tolerance,
            drift=row.drift,
            last_t=row.last_t,
            last_used_at=row.last_used_at,
        )
        device_model.objects.using(connection.alias).filter(pk=device.pk).update(
            created_at=row.created_at  # not the migration's date (auto_now_add)
        )
        moved += 1
    clear_devices.all().delete()
    return moved


def _clear_totp_model():
    """django-otp's TOTP table as its migrations left it, in a registry of its own."""
    from django.apps.registry import Apps
    from django.db import models

    class ClearTOTPDevice(models.Model):
        user_id = models.BigIntegerField()
        name = models.CharField(max_length=64)
        confirmed = models.BooleanField()
        key = models.CharField(max_length=80)
        step = models.PositiveSmallIntegerField()
        t0 = models.BigIntegerField()
        digits = models.PositiveSmallIntegerField()
        tolerance = models.PositiveSmallIntegerField()
        drift = models.SmallIntegerField()
        last_t = models.BigIntegerField()
        created_at = models.DateTimeField(null=True)
        last_used_at = models.DateTimeField(null=True)

        class Meta:
            apps = Apps()
            app_label = "otp_totp"
            db_table = CLEAR_TOTP_TABLE
            managed = False

        def __str__(self) -> str:
            return self.name

    return ClearTOTPDevice


@transaction.atomic
def enrolment_confirm(*, request: HttpRequest, device: AuthenticatorDevice, code: str) -> list[str]:
    """Confirm the application whose first code is `code`: it replaces any previous device of
    the user, the backup codes are made, the enrolment is logged in each structure of the user.
    Returns the backup codes (to show once). A wrong code: ValidationError, nothing changed."""
    device = AuthenticatorDevice.objects.select_for_update().get(pk=device.pk, confirmed=False)
    if not _verified(device, normalise_code(code)):
        raise ValidationError(
            {"code": "Ce code ne correspond pas. Saisissez le code affiché en ce moment."}
        )
    user = device.user
    AuthenticatorDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
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
    devices = [
        AuthenticatorDevice.objects.filter(user=user),
        StaticDevice.objects.filter(user=user),
    ]
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
