from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from allervers.backups.services import BackupError, backup_create


class Command(BaseCommand):
    help = "Sauvegarde toute la base de données dans un fichier (var/backups/ par défaut)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="fichier à écrire (il ne doit pas exister)")

    def handle(self, *args, output: Path | None = None, **options):
        try:
            path = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {path}"))
