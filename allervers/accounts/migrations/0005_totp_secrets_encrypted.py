"""TOTP secrets encrypted at rest (issue 23 point 6): the applications django-otp's TOTP table
kept with their secret in clear move to `AuthenticatorDevice`, the secret encrypted under the
configured key (`accounts/secrets_at_rest.py`), and the clear rows are deleted; their owners
keep their application. Not reversible into clear text: going back drops the encrypted devices
(their owners enrol again)."""

from django.db import migrations


def forward(apps, schema_editor):
    from allervers.accounts.second_factor import totp_secrets_encrypt_existing

    totp_secrets_encrypt_existing(
        apps.get_model("accounts", "AuthenticatorDevice"), schema_editor.connection
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_authenticator_device")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
