"""The approval of declared weekly presences is the structure's setting now
(`Operator.partner_rota_needs_approval`, filled from this field by operators 0014)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_partner_recurring_needs_approval"),
        ("operators", "0015_operator_partner_rota_needs_approval"),
    ]

    operations = [
        migrations.RemoveField(model_name="partner", name="recurring_needs_approval"),
    ]
