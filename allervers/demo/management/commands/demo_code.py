from django.core.management.base import BaseCommand

from allervers.demo.loader import demo_current_code


class Command(BaseCommand):
    help = "Affiche le code de vérification du moment des comptes de démonstration."

    def handle(self, *args, **options):
        self.stdout.write(f"Code du moment des comptes de démonstration : {demo_current_code()}")
