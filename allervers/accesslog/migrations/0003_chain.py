"""The chain of digests (issue 23 point 4), and a stricter append-only guard.

The entries already written are chained in the order they were written (per structure), and
each structure gets its chain head. PostgreSQL: the trigger function now lets a DELETE through
only for the table's owner (the role that runs `migrate` and `privacy_sweep`) with the purge
setting, and a statement trigger refuses TRUNCATE (unless the owner set
`allervers.accesslog_truncate`, which only the test settings do, for the test runner's flush).
SQLite: adding the columns rebuilds the table, which drops its trigger: it is made again."""

import django.db.models.deletion
from django.db import migrations, models

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION accesslog_append_only() RETURNS trigger AS $$
DECLARE
    is_owner boolean := pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE'
    );
BEGIN
    IF TG_OP = 'DELETE' AND is_owner
            AND current_setting('allervers.accesslog_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'TRUNCATE' AND is_owner
            AND current_setting('allervers.accesslog_truncate', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'accesslog_append_only: the access log cannot be altered (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
PG_TRUNCATE_TRIGGER = """
CREATE TRIGGER accesslog_no_truncate
    BEFORE TRUNCATE ON accesslog_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION accesslog_append_only();
"""
PG_OLD_FUNCTION = """
CREATE OR REPLACE FUNCTION accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('allervers.accesslog_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'accesslog_append_only: the access log cannot be altered (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""
SQLITE_TRIGGER = """
CREATE TRIGGER accesslog_append_only BEFORE UPDATE ON accesslog_accesslogentry
BEGIN
    SELECT RAISE(ABORT, 'accesslog_append_only: the access log cannot be altered (UPDATE)');
END;
"""


def _chain_existing(apps):
    from allervers.accesslog.chain import entry_digest

    Entry = apps.get_model("accesslog", "AccessLogEntry")
    Chain = apps.get_model("accesslog", "AccessLogChain")
    heads = {}
    for entry in Entry.objects.order_by("pk").iterator(chunk_size=2000):
        head = heads.setdefault(entry.operator_id, {"digest": "", "id": None, "count": 0})
        entry.previous_digest = head["digest"]
        entry.digest = entry_digest(entry)
        Entry.objects.filter(pk=entry.pk).update(
            previous_digest=entry.previous_digest, digest=entry.digest
        )
        head.update(digest=entry.digest, id=entry.pk, count=head["count"] + 1)
    Chain.objects.bulk_create(
        Chain(
            operator_id=operator_id,
            head_digest=head["digest"],
            head_entry_id=head["id"],
            entry_count=head["count"],
        )
        for operator_id, head in heads.items()
    )


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    table = "accesslog_accesslogentry"
    if vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER accesslog_append_only")
        _chain_existing(apps)
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER accesslog_append_only")
        schema_editor.execute(PG_FUNCTION, params=None)
        schema_editor.execute(PG_TRUNCATE_TRIGGER)
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS accesslog_append_only")
        _chain_existing(apps)
        if vendor == "sqlite":
            schema_editor.execute(SQLITE_TRIGGER)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "DROP TRIGGER IF EXISTS accesslog_no_truncate ON accesslog_accesslogentry"
        )
        schema_editor.execute(PG_OLD_FUNCTION, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('accesslog', '0002_append_only'),
        ('operators', '0009_reminder_time_and_reservation_slug'),
    ]

    operations = [
        migrations.AddField(
            model_name='accesslogentry',
            name='digest',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='accesslogentry',
            name='previous_digest',
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.CreateModel(
            name='AccessLogChain',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('entry_count', models.BigIntegerField(default=0)),
                ('head_entry_id', models.BigIntegerField(blank=True, null=True)),
                ('head_digest', models.CharField(blank=True, editable=False, max_length=64)),
                ('checkpoint', models.TextField(blank=True, editable=False)),
                ('operator', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='operators.operator')),
            ],
            options={
                'verbose_name': 'chaîne du journal des accès',
                'verbose_name_plural': 'chaînes du journal des accès',
            },
        ),
        migrations.RunPython(forward, backward),
    ]
