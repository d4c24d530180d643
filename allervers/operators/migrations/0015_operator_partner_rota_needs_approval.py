"""The approval of partners' declared weekly presences moves from each partner to the
structure's settings: a structure where any partner's declarations awaited approval keeps
requiring it; one whose partners were all trusted does not (a structure without partners takes
the default, approval)."""

from django.db import migrations, models


def approval_from_partners(apps, schema_editor):
    Operator = apps.get_model("operators", "Operator")
    Partner = apps.get_model("partners", "Partner")
    with_partners = Partner.objects.values("operator_id")
    asking = Partner.objects.filter(recurring_needs_approval=True).values("operator_id")
    Operator.objects.filter(pk__in=with_partners).exclude(pk__in=asking).update(
        partner_rota_needs_approval=False
    )


def approval_to_partners(apps, schema_editor):
    Operator = apps.get_model("operators", "Operator")
    Partner = apps.get_model("partners", "Partner")
    trusting = Operator.objects.filter(partner_rota_needs_approval=False).values("pk")
    Partner.objects.filter(operator_id__in=trusting).update(recurring_needs_approval=False)


class Migration(migrations.Migration):
    dependencies = [
        ("operators", "0014_slug_reserved_droits"),
        ("partners", "0003_partner_recurring_needs_approval"),
    ]

    operations = [
        migrations.AddField(
            model_name="operator",
            name="partner_rota_needs_approval",
            field=models.BooleanField(
                default=True,
                help_text="Décoché : la présence qu'un partenaire déclare est inscrite aussitôt "
                "sur les permanences à venir du rythme. Dans les deux cas, la coordination est "
                "prévenue.",
                verbose_name="les présences régulières déclarées par les partenaires attendent "
                "l'accord de la coordination",
            ),
        ),
        migrations.RunPython(approval_from_partners, approval_to_partners, elidable=True),
    ]
