"""The refusals shared by the reception's writes."""

import datetime

from django.core.exceptions import ValidationError

from allervers.operators.models import Operator
from allervers.planning.models import Stop


def refuse(message: str, code: str = "invalid") -> None:
    raise ValidationError(message, code=code)


def check_stop_for_visit(*, operator: Operator, stop: Stop, today: datetime.date) -> None:
    """A visit happens at a held stop of the operator, today or in the past."""
    if stop.operator_id != operator.pk:
        refuse("Cette permanence n'appartient pas à votre structure.", "foreign_stop")
    if stop.is_cancelled:
        refuse(
            f"La permanence du {stop.date:%d/%m/%Y} est annulée : "
            "on ne peut pas y enregistrer de visite.",
            "cancelled_stop",
        )
    if stop.date > today:
        refuse(
            f"La permanence du {stop.date:%d/%m/%Y} n'a pas encore eu lieu : "
            "on ne peut pas y enregistrer de visite.",
            "future_stop",
        )


def check_same_operator(person, operator_id: int) -> None:
    """A named person of another structure is never linked to a visit."""
    if person.operator_id != operator_id:
        refuse("Cette personne n'appartient pas à votre structure.", "foreign_person")
