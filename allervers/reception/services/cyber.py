"""The cyber-atelier's seats used at a stop (entered by the animator)."""

from django.db import transaction
from django.utils import timezone

from allervers.operators.models import Operator
from allervers.planning.enums import DEFAULT_CYBER_CAPACITY
from allervers.planning.models import Stop

from ..models import CyberUsage
from .checks import check_stop_for_visit, refuse


@transaction.atomic
def cyber_usage_record(
    *,
    operator: Operator,
    stop: Stop,
    seats_used: int,
    people_count: int,
    user,
    seats_available: int = DEFAULT_CYBER_CAPACITY,
) -> CyberUsage:
    """Record (or correct) how many cyber-atelier seats were used at a stop, by how many people."""
    check_stop_for_visit(operator=operator, stop=stop, today=timezone.localdate())
    if seats_used < 0 or people_count < 0:
        refuse("Les nombres ne peuvent pas être négatifs.", "negative")
    if seats_used > seats_available:
        refuse(
            f"Le cyber@atelier n'a que {seats_available} postes : "
            f"{seats_used} postes utilisés est impossible.",
            "too_many_seats",
        )
    if people_count < seats_used:
        refuse(
            "Chaque poste utilisé l'a été par au moins une personne : le nombre de personnes "
            "ne peut pas être inférieur au nombre de postes.",
            "people_below_seats",
        )
    usage, _ = CyberUsage.objects.update_or_create(
        operator=operator,
        stop=stop,
        defaults={"seats_used": seats_used, "people_count": people_count, "recorded_by": user},
    )
    return usage
