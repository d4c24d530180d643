"""Remember the last move of a stop (when, from where, by whom) so that people can be told.

SQLite rebuilds the table to add a foreign key, and a rebuilt table loses its triggers: the
overlap triggers of 0002 are created again afterwards. Any later migration that alters
`planning_stop` must do the same (see docs/planning.md).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

no_overlap = importlib.import_module("allervers.planning.migrations.0002_stop_no_overlap")


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in no_overlap.SQLITE_BACKWARD + no_overlap.SQLITE_FORWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0002_stop_no_overlap"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stop",
            name="moved_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="stop",
            name="moved_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="stop",
            name="moved_from",
            field=models.CharField(
                blank=True, max_length=300, verbose_name="avant le changement"
            ),
        ),
        migrations.RunPython(recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
