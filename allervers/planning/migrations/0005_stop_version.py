"""A version on each stop (incremented by every change of it) and who made the last change:
a form carries the version it showed, and a change from a stale page is refused.

SQLite rebuilds the table to add these columns, and a rebuilt table loses its triggers: the
overlap triggers of 0002 are created again afterwards (see 0003 and docs/planning.md).
"""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

moved = importlib.import_module("allervers.planning.migrations.0003_stop_moved")


class Migration(migrations.Migration):
    dependencies = [
        ("planning", "0004_stop_event"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="stop",
            name="changed_by",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="stop",
            name="version",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(moved.recreate_sqlite_triggers, migrations.RunPython.noop),
    ]
