"""`manage.py accesslog_verify [--structure SLUG]`: is each structure's access log whole since
its last purge? Says where a chain breaks, and ends with an error status when one does (for a
monitoring timer: docs/privacy.md)."""

from django.core.management.base import BaseCommand, CommandError

from allervers.accesslog.chain import chain_verify
from allervers.operators.models import Operator


class Command(BaseCommand):
    help = "Vérifie que le journal des accès de chaque structure n'a pas été altéré."

    def add_arguments(self, parser):
        parser.add_argument("--structure", help="identifiant (slug) d'une seule structure")

    def handle(self, *args, structure: str | None = None, **options):
        operators = Operator.objects.order_by("name")
        if structure:
            operators = operators.filter(slug=structure)
            if not operators.exists():
                raise CommandError(f"Aucune structure n'a l'identifiant « {structure} ».")
        broken = 0
        for operator in operators:
            state = chain_verify(operator)
            if state.whole:
                since = f" depuis la purge du {state.purged_at[:10]}" if state.purged_at else ""
                self.stdout.write(
                    f"{operator.name} : chaîne intacte, {state.entries} entrée(s){since}."
                )
                continue
            broken += 1
            where = f" (entrée n° {state.entry_id})" if state.entry_id else ""
            self.stdout.write(f"{operator.name} : chaîne rompue{where} : {state.problem}")
        if broken:
            plural = "s" if broken > 1 else ""
            raise CommandError(
                f"{broken} chaîne{plural} rompue{plural} sur {operators.count()} structure(s)."
            )
