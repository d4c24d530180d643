"""`load_demo` lives here, in an app every settings module installs, so that under the production
settings (where `allervers.demo` is not installed) it still exists and refuses with a clear
message instead of Django's "Unknown command"."""

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

REFUSED_IN_PRODUCTION = (
    "La démonstration ne se charge jamais avec les réglages de production "
    "(config.settings.base) : elle remplace la structure « ccas-barlin » et publie ses mots de "
    "passe. Lancez-la en développement : `make demo`, ou "
    "DJANGO_SETTINGS_MODULE=config.settings.dev python manage.py load_demo."
)


class Command(BaseCommand):
    help = "Charge (ou recharge) les données de démonstration du CCAS de Barlin (développement)."

    def handle(self, *args, **options):
        if not apps.is_installed("allervers.demo"):
            raise CommandError(REFUSED_IN_PRODUCTION)
        from allervers.demo.data import DEMO_BACKUP_CODES, DEMO_PASSWORD, DEMO_TOTP_SECRET
        from allervers.demo.loader import demo_current_code, demo_load

        try:
            summary = demo_load()
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        years = ", ".join(
            f"{year} : {count}" for year, count in sorted(summary.stops_by_year.items())
        )
        self.stdout.write(self.style.SUCCESS(f"Démo chargée : {summary.operator.name}"))
        self.stdout.write(f"Permanences par année — {years}")
        self.stdout.write(
            "Comptes de démonstration (identifiant : l'adresse électronique ; mot de passe : "
            + DEMO_PASSWORD
            + ") :"
        )
        for email, role in summary.users:
            self.stdout.write(f"  {email:<48} {role}")
        self.stdout.write(
            "Double authentification (code demandé après le mot de passe, même réglage pour "
            "tous les comptes) :\n"
            f"  clé à ajouter dans une application d'authentification : {DEMO_TOTP_SECRET}\n"
            f"  code du moment : {demo_current_code()} (il change toutes les 30 secondes ; "
            "`python manage.py demo_code` affiche celui du moment)\n"
            f"  codes de secours (chacun une fois par compte) : {', '.join(DEMO_BACKUP_CODES)}"
        )
