"""`manage.py publish_static <operator-slug> <directory>`: the public schedule as files."""

from django.core.management.base import BaseCommand, CommandError

from allervers.operators.models import Operator
from allervers.public.static_publication import publish


class Command(BaseCommand):
    help = (
        "Écrit les pages publiques d'une structure (page, lieux, widget, agendas, API, "
        "données ouvertes) en fichiers, pour un serveur web."
    )

    def add_arguments(self, parser):
        parser.add_argument("operator_slug")
        parser.add_argument("directory")

    def handle(self, operator_slug: str, directory: str, **options):
        operator = Operator.objects.filter(slug=operator_slug).first()
        if operator is None:
            raise CommandError(f"Aucune structure n'a l'identifiant « {operator_slug[:80]} ».")
        written = publish(operator, directory)
        self.stdout.write(f"{len(written)} fichiers publiés dans {directory}.")
