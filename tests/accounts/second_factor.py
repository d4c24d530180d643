"""The tests' authenticator application: a known TOTP secret, its codes, and a login through
the form with the second factor.

`tests/conftest.py` makes `Client.force_login` pass the second factor too (a test marked
`second_factor` opts out and goes through the steps itself)."""

import base64

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice

from allervers.accounts.models import AuthenticatorDevice
from allervers.accounts.second_factor import backup_code_digest

PASSWORD = "mot-de-passe-test"  # the factories' password
# 20 bytes, written in base32 as an authenticator application asks for it.
SECRET = "KRSXG5BAONSWG4TFOQQGM33SEB2GK43U"
KEY = base64.b32decode(SECRET)


def code_for(key: bytes) -> str:
    """The 6-digit code an authenticator application shows for `key` now (the tests' clock)."""
    return f"{totp(key, step=30, digits=6):06d}"


def enrol(user, key: bytes = KEY) -> AuthenticatorDevice:
    """A confirmed application for `user` with `key` (no replay memory: any current code works)."""
    AuthenticatorDevice.objects.filter(user=user).delete()
    return AuthenticatorDevice.objects.create(user=user, name="Test", bin_key=key, confirmed=True)


def backup_codes(user, *codes: str) -> StaticDevice:
    device = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    for code in codes:
        device.token_set.create(token=backup_code_digest(code))  # stored hashed
    return device


def log_in_with_code(client: Client, user, *, follow: bool = False):
    """Log `user` in through the two steps (enrolled with the test key if it was not)."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.status_code
    return client.post(
        reverse("accounts:second_factor_verify"),
        {"code": code_for(device.bin_key)},
        follow=follow,
    )


def pass_second_factor(client: Client, user) -> None:
    """Mark the client's session as verified by a confirmed device of `user` (what the code step
    does), for a client logged in with `force_login`."""
    device = StaticDevice.objects.filter(user=user, confirmed=True, name="force_login").first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name="force_login", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
