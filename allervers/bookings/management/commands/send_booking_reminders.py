from django.core.management.base import BaseCommand
from django.utils import timezone

from allervers.bookings import messages, notify


class Command(BaseCommand):
    help = (
        "Met en file les rappels de la veille (rendez-vous et ateliers de demain) des structures "
        "dont l'heure des rappels est passée. À lancer toutes les 15 minutes "
        "(docs/deployment.md) ; chaque rappel ne part qu'une fois. Remet aussi en file les "
        "messages dont le nouvel essai est dû après une panne du fournisseur de SMS."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        due = messages.reminders_due(now)
        for kind, pk, date in due:
            notify.enqueue(messages.REMINDER, kind, pk, date)
        self.stdout.write(f"Rappels mis en file : {len(due)}.")
        retried = messages.messages_retry_due(now)
        for kind, pk, event, discriminator in retried:
            notify.enqueue(event, kind, pk, discriminator)
        if retried:
            self.stdout.write(f"Nouveaux essais mis en file : {len(retried)}.")
