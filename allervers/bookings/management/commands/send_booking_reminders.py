from django.core.management.base import BaseCommand
from django.utils import timezone

from allervers.bookings import messages, notify


class Command(BaseCommand):
    help = (
        "Met en file les rappels de la veille (rendez-vous et ateliers de demain) des structures "
        "dont l'heure des rappels est passée. À lancer toutes les 15 minutes "
        "(docs/deployment.md) ; chaque rappel ne part qu'une fois."
    )

    def handle(self, *args, **options):
        due = messages.reminders_due(timezone.now())
        for kind, pk, date in due:
            notify.enqueue(messages.REMINDER, kind, pk, date)
        self.stdout.write(f"Rappels mis en file : {len(due)}.")
