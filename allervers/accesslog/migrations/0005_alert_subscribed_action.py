"""The alerts' action (issue 28: a subscription made by an agent). SQLite: changing the CHECK
constraint rebuilds the table, which drops its append-only trigger: it is made again (as in
0004; tests/accesslog/test_log.py fails otherwise)."""

import importlib

from django.db import migrations, models

trigger_again = importlib.import_module(
    "allervers.accesslog.migrations.0004_erasure_actions"
).trigger_again


class Migration(migrations.Migration):

    dependencies = [
        ('accesslog', '0004_erasure_actions'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='accesslogentry',
            name='accesslog_action_known_value',
        ),
        migrations.AlterField(
            model_name='accesslogentry',
            name='action',
            field=models.CharField(choices=[('person_viewed', "Consultation d'une fiche personne"), ('person_created', "Création d'une fiche personne"), ('person_changed', "Modification d'une fiche personne"), ('person_exported', "Export des données d'une personne"), ('person_erased', "Effacement d'une personne à sa demande"), ('person_anonymised', 'Anonymisation après la durée de conservation'), ('erasure_requested', "Demande d'effacement d'une personne"), ('erasure_refused', "Refus d'une demande d'effacement"), ('consent_withdrawn', "Retrait d'un consentement"), ('visit_created', "Enregistrement d'une visite"), ('visit_changed', "Modification d'une visite"), ('referral_created', 'Orientation proposée'), ('referral_changed', 'Orientation modifiée'), ('alert_subscribed', 'Inscription aux alertes par un agent'), ('export_downloaded', "Téléchargement d'un export nominatif"), ('import_confirmed', 'Import de visites'), ('membership_created', "Ajout d'un membre"), ('membership_changed', "Modification d'un membre"), ('membership_ended', "Retrait d'un accès"), ('second_factor_enrolled', 'Activation de la double authentification'), ('second_factor_reset', 'Réinitialisation de la double authentification'), ('log_purged', 'Purge des entrées anciennes du journal')], max_length=40, verbose_name='action'),
        ),
        migrations.AddConstraint(
            model_name='accesslogentry',
            constraint=models.CheckConstraint(condition=models.Q(('action__in', ['person_viewed', 'person_created', 'person_changed', 'person_exported', 'person_erased', 'person_anonymised', 'erasure_requested', 'erasure_refused', 'consent_withdrawn', 'visit_created', 'visit_changed', 'referral_created', 'referral_changed', 'alert_subscribed', 'export_downloaded', 'import_confirmed', 'membership_created', 'membership_changed', 'membership_ended', 'second_factor_enrolled', 'second_factor_reset', 'log_purged'])), name='accesslog_action_known_value'),
        ),
        migrations.RunPython(trigger_again, trigger_again),
    ]
