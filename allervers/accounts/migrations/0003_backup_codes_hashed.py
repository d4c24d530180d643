"""Backup codes stored hashed (issue 23 point 6): the codes already given, kept in clear in
django-otp's table until now, are replaced by their digests; the people keep their codes."""

from django.db import migrations


def forward(apps, schema_editor):
    from allervers.accounts.second_factor import backup_codes_hash_existing

    backup_codes_hash_existing(apps.get_model("otp_static", "StaticToken"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_limit_counter"),
        ("otp_static", "0003_add_timestamps"),
    ]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
