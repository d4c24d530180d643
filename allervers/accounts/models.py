"""The user account: one person, logged in by e-mail address, possibly in several structures;
its authenticator application (the second factor's TOTP device, its secret encrypted)."""

import time
from base64 import b32encode
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP

from .secrets_at_rest import secret_decrypt, secret_encrypt

EMAIL_TAKEN = "Un compte utilise déjà cette adresse électronique."


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        """One spelling per address: trimmed and lower-case (addresses are used case-blind)."""
        return (email or "").strip().lower()

    def get_by_natural_key(self, email: str):
        return self.get(email=self.normalize_email(email))

    async def aget_by_natural_key(self, email: str):
        return await self.aget(email=self.normalize_email(email))

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("L'adresse électronique est obligatoire.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)  # None: no usable password until the person chooses one
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not (extra_fields["is_staff"] and extra_fields["is_superuser"]):
            raise ValueError("Un super-utilisateur a is_staff et is_superuser.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """Logs in with its e-mail address (unique whatever the case); names are for display only."""

    username = None
    email = models.EmailField(
        "adresse électronique", max_length=254, unique=True, error_messages={"unique": EMAIL_TAKEN}
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_unique_case_insensitive",
                violation_error_message=EMAIL_TAKEN,
            ),
        ]

    def save(self, *args, **kwargs):
        self.email = type(self).objects.normalize_email(self.email)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class LimitCounter(models.Model):
    """One count behind a limit (failures from an address, codes of an account, reset e-mails,
    bookings), in the database so that every worker process sees it, and so that each count is
    one atomic UPDATE (`allervers/accounts/counters.py`). The key is a keyed hash of what is
    counted: no address, e-mail or phone number is stored here."""

    key = models.CharField(max_length=64, primary_key=True)
    count = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "compteur de limite"
        verbose_name_plural = "compteurs de limite"

    def __str__(self) -> str:
        return f"{self.count} jusqu'à {self.expires_at:%Y-%m-%d %H:%M}"


class AuthenticatorDevice(TimestampMixin, ThrottlingMixin, Device):
    """A person's authenticator application: a TOTP device (RFC 6238) like django-otp's
    `TOTPDevice`, whose secret is stored encrypted (`accounts/secrets_at_rest.py`), never in
    clear. A django-otp `Device`: its middleware and `django_otp.login` find it like any other.

    Give the secret as `bin_key` (bytes): `AuthenticatorDevice(user=..., bin_key=key)`. Reading
    `bin_key` decrypts it, or raises `SecretUnreadable` when no configured key opens it."""

    encrypted_key = models.TextField("clé chiffrée", editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    # The time step of the last accepted code: each code is accepted once.
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = "application d'authentification"
        verbose_name_plural = "applications d'authentification"

    @property
    def bin_key(self) -> bytes:
        return secret_decrypt(self.encrypted_key)

    @bin_key.setter
    def bin_key(self, key: bytes) -> None:
        self.encrypted_key = secret_encrypt(key)

    def verify_token(self, token) -> bool:
        """Whether `token` is the application's code now (within `tolerance` steps), and not a
        code already used; django-otp's throttle counts the failures. SecretUnreadable when the
        secret cannot be decrypted (nothing counted: the person is not at fault)."""
        key = self.bin_key
        if not self.verify_is_allowed()[0]:
            return False
        try:
            token = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(token, self.tolerance, self.last_t + 1)
        if not verified:
            self.throttle_increment(commit=True)
            return False
        self.last_t = totp.t()
        self.drift = totp.drift
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    def get_throttle_factor(self):
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator application reads from the QR code."""
        issuer = getattr(settings, "OTP_TOTP_ISSUER", "").replace(":", "")
        label = self.user.get_username()
        params = {
            "secret": b32encode(self.bin_key).decode(),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        if issuer:
            label = f"{issuer}:{label}"
            params["issuer"] = issuer
        return f"otpauth://totp/{quote(label)}?{urlencode(params, quote_via=quote)}"
