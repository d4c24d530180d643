from django.core.management.base import BaseCommand

from allervers.demo.data import DEMO_PASSWORD
from allervers.demo.loader import demo_load


class Command(BaseCommand):
    help = "Charge (ou recharge) les données de démonstration du CCAS de Barlin."

    def handle(self, *args, **options):
        summary = demo_load()
        years = ", ".join(
            f"{year} : {count}" for year, count in sorted(summary.stops_by_year.items())
        )
        self.stdout.write(self.style.SUCCESS(f"Démo chargée : {summary.operator.name}"))
        self.stdout.write(f"Permanences par année — {years}")
        self.stdout.write("Comptes de démonstration (mot de passe : " + DEMO_PASSWORD + ") :")
        for username, role in summary.users:
            self.stdout.write(f"  {username:<28} {role}")
