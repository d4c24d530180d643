"""One vehicle is never at two places at once: the database refuses overlapping held stops.

A CHECK constraint cannot look at other rows, so each backend gets a trigger. On PostgreSQL the
trigger takes a transaction-level advisory lock per vehicle, so two concurrent inserts cannot
both pass the check.
"""

from django.db import migrations

OVERLAP_MESSAGE = "stop_overlap: the vehicle already has a stop at that time"

SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER planning_stop_no_overlap_{event.lower()}
    BEFORE {event} ON planning_stop
    WHEN NEW.status <> 'cancelled' AND EXISTS (
        SELECT 1 FROM planning_stop other
        WHERE other.vehicle_id = NEW.vehicle_id
          AND other.date = NEW.date
          AND other.status <> 'cancelled'
          AND other.id IS NOT NEW.id
          AND other.start_time < NEW.end_time
          AND NEW.start_time < other.end_time
    )
    BEGIN
        SELECT RAISE(ABORT, '{OVERLAP_MESSAGE}');
    END;
    """
    for event in ("INSERT", "UPDATE")
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS planning_stop_no_overlap_insert;",
    "DROP TRIGGER IF EXISTS planning_stop_no_overlap_update;",
]

POSTGRES_FORWARD = [
    f"""
    CREATE OR REPLACE FUNCTION planning_stop_no_overlap() RETURNS trigger AS $$
    BEGIN
        IF NEW.status <> 'cancelled' THEN
            PERFORM pg_advisory_xact_lock(8151, NEW.vehicle_id::integer);
            IF EXISTS (
                SELECT 1 FROM planning_stop other
                WHERE other.vehicle_id = NEW.vehicle_id
                  AND other.date = NEW.date
                  AND other.status <> 'cancelled'
                  AND other.id IS DISTINCT FROM NEW.id
                  AND other.start_time < NEW.end_time
                  AND NEW.start_time < other.end_time
            ) THEN
                RAISE EXCEPTION '{OVERLAP_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER planning_stop_no_overlap
    BEFORE INSERT OR UPDATE ON planning_stop
    FOR EACH ROW EXECUTE FUNCTION planning_stop_no_overlap();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS planning_stop_no_overlap ON planning_stop;",
    "DROP FUNCTION IF EXISTS planning_stop_no_overlap();",
]


def run(statements_by_vendor):
    def operation(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return operation


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]
