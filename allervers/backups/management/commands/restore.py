from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from allervers.backups.services import BackupError, backup_restore


class Command(BaseCommand):
    help = "Remplace tout le contenu de la base de données par celui d'une sauvegarde."

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="fichier écrit par `manage.py backup`")
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="ne pas demander de confirmation",
        )

    def handle(self, *args, source: Path, interactive: bool = True, **options):
        if interactive:
            answer = input(
                "Tout le contenu actuel de la base sera remplacé par la sauvegarde "
                f"{source}. Tapez « oui » pour continuer : "
            )
            if answer.strip().lower() != "oui":
                raise CommandError("Restauration abandonnée : rien n'a changé.")
        try:
            backup_restore(source=source)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Base restaurée depuis {source}."))
