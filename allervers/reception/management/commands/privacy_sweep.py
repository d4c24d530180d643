from django.core.management.base import BaseCommand

from allervers.reception.services.privacy import privacy_sweep


class Command(BaseCommand):
    help = (
        "Rend anonymes les fiches des personnes sans contact depuis la durée de conservation "
        "(ou sans accord en vigueur) et supprime les entrées anciennes du journal des accès. "
        "À lancer chaque jour (docs/deployment.md)."
    )

    def handle(self, *args, **options):
        for line in privacy_sweep().lines():
            self.stdout.write(line)
