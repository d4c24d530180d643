from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from allervers.operators.services import operator_create

# The service's error keys, as the command's options.
OPTIONS = {"name": "--name", "slug": "--slug", "coordinator_email": "--coordinator-email"}


class Command(BaseCommand):
    help = (
        "Crée une structure porteuse et son premier compte de coordination, qui reçoit par "
        "courriel le lien pour choisir son mot de passe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="nom de la structure")
        parser.add_argument(
            "--slug", required=True, help="identifiant d'adresse : la page publique sera /slug/"
        )
        parser.add_argument(
            "--coordinator-email", required=True, help="adresse électronique de la coordination"
        )
        parser.add_argument("--coordinator-first-name", default="", help="prénom (facultatif)")
        parser.add_argument("--coordinator-last-name", default="", help="nom (facultatif)")

    def handle(self, *args, **options):
        try:
            operator = operator_create(
                name=options["name"],
                slug=options["slug"],
                coordinator_email=options["coordinator_email"],
                coordinator_first_name=options["coordinator_first_name"],
                coordinator_last_name=options["coordinator_last_name"],
            )
        except ValidationError as error:
            problems = [
                f"{OPTIONS.get(field, field)} : {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            ]
            raise CommandError("Rien n'a été créé.\n" + "\n".join(problems)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Structure créée : {operator.name} (page publique /{operator.slug}/)."
            )
        )
        self.stdout.write(
            f"{options['coordinator_email'].strip()} reçoit par courriel le lien pour choisir son "
            "mot de passe (envoyé par le processus des tâches, `manage.py db_worker`)."
        )
