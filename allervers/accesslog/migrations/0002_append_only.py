"""The access log is append-only for the application.

PostgreSQL: a trigger refuses UPDATE always, and DELETE unless the transaction set
`allervers.accesslog_purge` (only `accesslog.services.purge` does, with SET LOCAL semantics).
A database role without that right could go further; docs/privacy.md explains both.
SQLite (development, small installs): a trigger refuses UPDATE; DELETE is not guarded there."""

from django.db import migrations

PG_FORWARD = """
CREATE FUNCTION accesslog_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('allervers.accesslog_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'accesslog_append_only: the access log cannot be altered (%)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accesslog_append_only
    BEFORE UPDATE OR DELETE ON accesslog_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION accesslog_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS accesslog_append_only ON accesslog_accesslogentry;
DROP FUNCTION IF EXISTS accesslog_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER accesslog_append_only BEFORE UPDATE ON accesslog_accesslogentry
BEGIN
    SELECT RAISE(ABORT, 'accesslog_append_only: the access log cannot be altered (UPDATE)');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS accesslog_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accesslog", "0001_access_log")]
    operations = [migrations.RunPython(forward, backward)]
