"""TOTP secrets are encrypted at rest (issue 23 point 6): the database holds no secret an
authenticator application could be set up with; a wrong or lost key refuses the code with a
French explanation (never a 500), the backup codes still work; keys rotate (previous keys
decrypt, `second_factor_reencrypt` rewrites); the data migration moves django-otp's clear rows
and deletes them; the deploy check asks for a dedicated key; the admin never shows a secret."""

import base64
import datetime
import html
import importlib
import io
import logging
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.test import Client
from django.urls import reverse

from allervers.accounts.checks import field_encryption_key_check
from allervers.accounts.models import AuthenticatorDevice
from allervers.accounts.second_factor import (
    code_check,
    enrolment_device,
    secret_of,
    totp_secrets_encrypt_existing,
)
from allervers.accounts.secrets_at_rest import (
    SECRET_UNREADABLE,
    SecretUnreadable,
    secret_decrypt,
    secret_encrypt,
)
from tests.accounts.second_factor import (
    KEY,
    PASSWORD,
    backup_codes,
    code_for,
    enrol,
)

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:second_factor_verify")
ENROL = reverse("accounts:second_factor_enrol")
MIGRATION = "0005_totp_secrets_encrypted"
OTHER_KEY = "une-autre-clé-de-chiffrement-pour-ce-test-seulement"


def stored_row(device) -> tuple:
    """Every column of the device's row, as the database holds it (no model in between)."""
    table = connection.ops.quote_name(AuthenticatorDevice._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [device.pk])
        return cursor.fetchone()


def assert_no_secret_in(text: str, key: bytes = KEY) -> None:
    spelled = base64.b32encode(key).decode()
    for form in (key.hex(), key.hex().upper(), spelled, spelled.lower()):
        assert form not in text


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def password_step(client, user):
    response = client.post(
        reverse("accounts:login"), {"username": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302


# Stored encrypted -------------------------------------------------------------------------------


def test_the_stored_row_holds_no_secret_and_the_code_still_works(agent):
    device = enrol(agent)
    row = stored_row(device)
    assert_no_secret_in(" ".join(str(value) for value in row))
    assert device.encrypted_key in row  # a Fernet token, not the secret
    assert secret_decrypt(device.encrypted_key) == KEY
    AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)
    assert code_check(user=agent, code=code_for(KEY)) == device
    assert code_check(user=agent, code=code_for(KEY)) is None  # each code once


@pytest.mark.second_factor
def test_enrolment_through_the_pages_stores_the_shown_secret_encrypted(agent):
    client = Client()
    password_step(client, agent)
    page = page_text(client.get(ENROL))
    device = AuthenticatorDevice.objects.get(user=agent, confirmed=False)
    shown = secret_of(device)
    assert shown[:4] in page  # shown to the person, once, on this page
    assert_no_secret_in(" ".join(str(value) for value in stored_row(device)), device.bin_key)
    response = client.post(ENROL, {"code": code_for(base64.b32decode(shown))})
    assert response.status_code == 302
    assert AuthenticatorDevice.objects.get(pk=device.pk).confirmed


def test_two_encryptions_of_one_secret_differ():
    assert secret_encrypt(KEY) != secret_encrypt(KEY)


# A wrong or lost key ----------------------------------------------------------------------------


@pytest.mark.second_factor
def test_a_wrong_key_refuses_the_code_with_a_french_explanation(agent, settings, caplog):
    enrol(agent)
    backup_codes(agent, "abcd2345")
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = OTHER_KEY
    client = Client()
    password_step(client, agent)
    with caplog.at_level(logging.DEBUG):
        response = client.post(VERIFY, {"code": code_for(KEY)})
    assert response.status_code == 400
    assert SECRET_UNREADABLE in page_text(response)
    assert client.get(reverse("home")).status_code == 302  # not in
    assert_no_secret_in(caplog.text)
    assert "unreadable" in caplog.text
    # Not counted as a wrong code, and the backup codes still open the session.
    assert AuthenticatorDevice.objects.get(user=agent).throttling_failure_count == 0
    assert client.post(VERIFY, {"code": "abcd-2345"}).status_code == 302
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    "damage",
    [
        lambda stored: stored[:-4] + ("AAAA" if not stored.endswith("AAAA") else "BBBB"),
        lambda stored: "",
        lambda stored: "pas un jeton",
        lambda stored: "é" * 20,
        lambda stored: KEY.hex(),  # a clear secret written there by hand
    ],
    ids=["altered", "empty", "garbage", "non-ascii", "clear-hex"],
)
def test_a_damaged_stored_value_is_refused_not_a_500(agent, damage):
    device = enrol(agent)
    AuthenticatorDevice.objects.filter(pk=device.pk).update(
        encrypted_key=damage(device.encrypted_key)
    )
    with pytest.raises(ValidationError) as raised:
        code_check(user=agent, code=code_for(KEY))
    assert SECRET_UNREADABLE in str(raised.value.messages)
    assert AuthenticatorDevice.objects.filter(pk=device.pk).exists()  # nothing changed


def test_an_enrolment_under_a_lost_key_starts_again_with_a_new_secret(agent, settings):
    first = enrolment_device(user=agent)
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = OTHER_KEY
    second = enrolment_device(user=agent)
    assert second.pk != first.pk
    assert not AuthenticatorDevice.objects.filter(pk=first.pk).exists()
    assert len(second.bin_key) == 20
    assert enrolment_device(user=agent) == second  # stable again: the same QR code


@pytest.mark.parametrize("secret", [b"", "texte", None])
def test_only_a_non_empty_bytes_secret_is_encrypted(secret):
    with pytest.raises(ValueError):
        secret_encrypt(secret)


@pytest.mark.parametrize("stored", ["", "gAAAA", "é", None, "x" * 500])
def test_a_value_that_is_no_token_is_unreadable(stored):
    with pytest.raises(SecretUnreadable):
        secret_decrypt(stored)


# Keys and rotation ------------------------------------------------------------------------------


def test_without_a_dedicated_key_the_secret_key_and_its_fallbacks_decrypt(agent, settings):
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = ""
    device = enrol(agent)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    assert AuthenticatorDevice.objects.get(pk=device.pk).bin_key == KEY
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(SecretUnreadable):
        AuthenticatorDevice.objects.get(pk=device.pk).bin_key  # noqa: B018


def test_moving_to_a_dedicated_key_then_rotating_it(agent, coordinator, settings):
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = ""
    devices = [enrol(agent), enrol(coordinator)]
    # A dedicated key; the secret key, from which the previous key was derived, in the fallbacks.
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = "clé-dédiée-1"
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS = [settings.SECRET_KEY]
    before = {device.pk: stored_row(device) for device in devices}
    output = io.StringIO()
    call_command("second_factor_reencrypt", stdout=output)
    assert "2 clé(s) d'application d'authentification rechiffrée(s)" in output.getvalue()
    assert_no_secret_in(output.getvalue())
    for device in devices:
        assert stored_row(device) != before[device.pk]
    # The previous key gone, the rewritten secrets still open; the codes still work.
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS = []
    assert code_check(user=agent, code=code_for(KEY)) == devices[0]
    # Then a second rotation: the new key first, the first dedicated key as fallback.
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = "clé-dédiée-2"
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS = ["clé-dédiée-1"]
    AuthenticatorDevice.objects.update(last_t=-1)
    assert code_check(user=coordinator, code=code_for(KEY)) == devices[1]
    call_command("second_factor_reencrypt", stdout=io.StringIO())
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS = []
    assert all(AuthenticatorDevice.objects.get(pk=d.pk).bin_key == KEY for d in devices)


def test_reencrypt_names_the_unreadable_secrets_and_leaves_them(agent, coordinator, settings):
    lost = enrol(agent)
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = OTHER_KEY
    kept = enrol(coordinator)
    before = stored_row(lost)
    output = io.StringIO()
    with pytest.raises(CommandError, match=rf"1 clé\(s\) illisible\(s\).*n° {lost.pk}\)"):
        call_command("second_factor_reencrypt", stdout=output)
    assert "1 clé(s) d'application" in output.getvalue()
    assert stored_row(lost) == before
    assert AuthenticatorDevice.objects.get(pk=kept.pk).bin_key == KEY


def test_the_deploy_check_asks_for_a_dedicated_key(settings):
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = ""
    assert [warning.id for warning in field_encryption_key_check()] == ["accounts.W004"]
    settings.ALLERVERS_FIELD_ENCRYPTION_KEY = "clé-dédiée"
    assert field_encryption_key_check() == []


# The data migration -----------------------------------------------------------------------------

# django-otp's TOTP table as its three migrations left it (the app is no longer installed).
CLEAR_TABLE = """
CREATE TABLE otp_totp_totpdevice (
    id integer PRIMARY KEY, user_id bigint NOT NULL, name varchar(64) NOT NULL,
    confirmed boolean NOT NULL, key varchar(80) NOT NULL, step smallint NOT NULL,
    t0 bigint NOT NULL, digits smallint NOT NULL, tolerance smallint NOT NULL,
    drift smallint NOT NULL, last_t bigint NOT NULL, throttling_failure_timestamp {stamp} NULL,
    throttling_failure_count integer NOT NULL, created_at {stamp} NULL, last_used_at {stamp} NULL
)
"""


def clear_row(pk: int, user, key: str, *, confirmed: bool = True, last_t: int = -1) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice (id, user_id, name, confirmed, key, step, t0, "
            "digits, tolerance, drift, last_t, throttling_failure_count, created_at, "
            "last_used_at) VALUES (%s, %s, %s, %s, %s, 30, 0, 6, 1, 0, %s, 0, %s, NULL)",
            [pk, user.pk, "Application", confirmed, key, last_t, "2025-03-01 08:00:00+00:00"],
        )


def run_migration() -> None:
    """The migration's own function, with the models as they stand at that migration."""
    state = MigrationLoader(connection).project_state(("accounts", MIGRATION))
    module = importlib.import_module(f"allervers.accounts.migrations.{MIGRATION}")
    module.forward(state.apps, SimpleNamespace(connection=connection))


def test_the_migration_encrypts_the_clear_rows_and_deletes_them(agent, coordinator):
    stamp = "timestamp with time zone" if connection.vendor == "postgresql" else "datetime"
    with connection.cursor() as cursor:
        cursor.execute(CLEAR_TABLE.format(stamp=stamp))
    clear_row(1, agent, KEY.hex(), last_t=5)
    clear_row(2, coordinator, "zz-not-hex")  # never checked a code: deleted, enrols again
    clear_row(3, coordinator, (b"\x01" * 20).hex(), confirmed=False)
    run_migration()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM otp_totp_totpdevice")
        assert cursor.fetchone()[0] == 0
    moved = AuthenticatorDevice.objects.get(user=agent)
    assert moved.confirmed and moved.bin_key == KEY and moved.last_t == 5
    assert moved.created_at == datetime.datetime(2025, 3, 1, 8, tzinfo=datetime.UTC)
    assert_no_secret_in(" ".join(str(value) for value in stored_row(moved)))
    pending = AuthenticatorDevice.objects.get(user=coordinator)
    assert not pending.confirmed and pending.bin_key == b"\x01" * 20
    assert not AuthenticatorDevice.objects.filter(user=coordinator, confirmed=True).exists()
    run_migration()  # again: nothing left in clear, nothing moved twice
    assert AuthenticatorDevice.objects.count() == 2


def test_the_migration_without_django_otps_table_moves_nothing(agent):
    device_model = AuthenticatorDevice
    assert "otp_totp_totpdevice" not in connection.introspection.table_names()
    assert totp_secrets_encrypt_existing(device_model, connection) == 0


# The admin --------------------------------------------------------------------------------------


def test_the_admin_lists_and_shows_the_device_without_its_secret(agent, django_user_model):
    device = enrol(agent)
    staff = django_user_model.objects.create_superuser("plateforme@example.org", password="x")
    client = Client()
    client.force_login(staff)
    pages = [
        client.get(reverse("admin:accounts_authenticatordevice_changelist")),
        client.get(reverse("admin:accounts_authenticatordevice_change", args=[device.pk])),
    ]
    for response in pages:
        assert response.status_code == 200
        assert str(agent) in page_text(response)
        assert_no_secret_in(page_text(response))
        assert device.encrypted_key not in page_text(response)
    add = client.get(reverse("admin:accounts_authenticatordevice_add"))
    assert add.status_code == 403
    delete = reverse("admin:accounts_authenticatordevice_delete", args=[device.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 302
    assert not AuthenticatorDevice.objects.filter(pk=device.pk).exists()
