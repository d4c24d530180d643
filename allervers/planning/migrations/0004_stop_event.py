"""The history of a stop's changes (cancelled, restored, moved), in its own table.

A new table, so `planning_stop` is not rebuilt and keeps its overlap triggers (see 0003). The
cancellations and last moves already recorded on the stops become the first events.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def backfill_events(apps, schema_editor):
    Stop = apps.get_model("planning", "Stop")
    StopEvent = apps.get_model("planning", "StopEvent")
    events = []
    for stop in Stop.objects.filter(status="cancelled").exclude(cancel_reason=""):
        events.append(
            StopEvent(
                operator_id=stop.operator_id,
                stop_id=stop.pk,
                kind="cancelled",
                at=stop.cancelled_at or stop.updated_at,
                by_id=stop.cancelled_by_id,
                cancel_reason=stop.cancel_reason,
                note=stop.cancel_note,
            )
        )
    for stop in Stop.objects.filter(moved_at__isnull=False):
        events.append(
            StopEvent(
                operator_id=stop.operator_id,
                stop_id=stop.pk,
                kind="moved",
                at=stop.moved_at,
                by_id=stop.moved_by_id,
                previous=stop.moved_from,
            )
        )
    StopEvent.objects.bulk_create(events, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("operators", "0004_operator_slug_not_reserved"),
        ("planning", "0003_stop_moved"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StopEvent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("cancelled", "Annulée"),
                            ("restored", "Rétablie"),
                            ("moved", "Déplacée ou horaires changés"),
                        ],
                        max_length=20,
                        verbose_name="changement",
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="le")),
                (
                    "cancel_reason",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("breakdown", "Panne du bus"),
                            ("weather", "Météo"),
                            ("staff_absence", "Absence de personnel"),
                            ("other", "Autre raison"),
                        ],
                        max_length=20,
                        verbose_name="motif d'annulation",
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300, verbose_name="précision")),
                (
                    "previous",
                    models.CharField(
                        blank=True, max_length=300, verbose_name="avant le changement"
                    ),
                ),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="par",
                    ),
                ),
                (
                    "operator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, to="operators.operator"
                    ),
                ),
                (
                    "stop",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="planning.stop",
                    ),
                ),
            ],
            options={
                "verbose_name": "changement d'une permanence",
                "verbose_name_plural": "changements des permanences",
                "ordering": ["at", "pk"],
                "indexes": [
                    models.Index(fields=["operator", "kind", "at"], name="stopevent_operator_kind")
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("kind", "cancelled"),
                                models.Q(("cancel_reason", ""), _negated=True),
                            ),
                            models.Q(
                                models.Q(("kind", "cancelled"), _negated=True),
                                ("cancel_reason", ""),
                            ),
                            _connector="OR",
                        ),
                        name="stopevent_cancel_reason_iff_cancelled",
                    )
                ],
            },
        ),
        migrations.RunPython(backfill_events, migrations.RunPython.noop),
    ]
