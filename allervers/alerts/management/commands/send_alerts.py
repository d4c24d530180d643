from django.core.management.base import BaseCommand
from django.utils import timezone

from allervers.alerts import queueing
from allervers.alerts.models import AlertMessage
from allervers.alerts.tasks import send_alerts


class Command(BaseCommand):
    help = (
        "Alertes « Prévenez-moi » : met en file les messages de la veille des structures dont "
        "l'heure des rappels est passée, termine les abonnements sans usage depuis 12 mois (un "
        "dernier message), et lance l'envoi de ce qui attend (après les heures calmes aussi). "
        "À lancer toutes les 15 minutes (docs/deployment.md) ; chaque alerte ne part qu'une fois."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        queued = queueing.alerts_day_before_queue(now)
        ending = queueing.subscriptions_unused_end(now)
        queueing.subscriptions_unconfirmed_delete(now)
        waiting = AlertMessage.objects.due(now).exists()
        if waiting:  # one sender for every structure (the provider's rate limit is shared)
            send_alerts.enqueue(None)
        self.stdout.write(
            f"Alertes de la veille mises en file : {sum(queued.values())} ; "
            f"abonnements terminés : {ending} ; envoi lancé : {'oui' if waiting else 'non'}."
        )
