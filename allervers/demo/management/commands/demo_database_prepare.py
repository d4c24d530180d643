from django.core.management.base import BaseCommand, CommandError

from allervers.demo.database import old_database_set_aside


class Command(BaseCommand):
    help = (
        "Met de côté une base de démonstration créée avant les comptes par adresse électronique "
        "(lancée par `make demo` avant `migrate`)."
    )

    def handle(self, *args, **options):
        try:
            moved_to = old_database_set_aside()
        except RuntimeError as error:
            raise CommandError(str(error)) from error
        if moved_to is not None:
            self.stdout.write(
                self.style.WARNING(
                    "La base de démonstration datait d'avant les comptes par adresse "
                    f"électronique : elle est mise de côté sous {moved_to} et une base neuve "
                    "est créée (elle ne contenait que la démonstration)."
                )
            )
