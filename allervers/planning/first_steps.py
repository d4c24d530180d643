"""The first steps of a new structure: what must exist before the bus can really run.

Shown on the coordinator's home while one of them is missing, each line a link to the screen
that does it, each ticked from the data (never from a box someone ticked), gone when all are done.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Exists, OuterRef
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.models import Membership, Operator
from allervers.partners.models import Partner

from .models import RotaLine, SchedulePattern, Site, Space, Stop, Vehicle

MINIMUM_AGENTS = 2


@dataclass(frozen=True)
class Step:
    label: str
    hint: str
    url: str
    done: bool


def _rights_mapped(operator: Operator) -> bool | None:
    """Whether every right of the screening has its partner (None when the screening is not
    installed). Read through the app registry: the planning does not import the screening."""
    if not apps.is_installed("allervers.screening"):
        return None
    setup_model = apps.get_model("screening", "ScreeningSetup")
    fields = [f.name for f in setup_model._meta.concrete_fields if f.name.startswith("partner_")]
    return setup_model.objects.filter(
        operator=operator, **{f"{name}__isnull": False for name in fields}
    ).exists()


def first_steps(operator: Operator) -> list[Step]:
    """The steps, in the order a structure takes them (one query each, whatever the data)."""
    with_spaces = Vehicle.objects.for_operator(operator).filter(
        Exists(Space.objects.filter(vehicle=OuterRef("pk")))
    )
    agents = Membership.objects.filter(operator=operator, role=Role.AGENT, is_active=True)
    steps = [
        Step(
            "Le véhicule et ses espaces",
            "le bus, son bureau, son cyber@atelier et son espace d'accueil, avec leurs places",
            reverse("vehicles:list"),
            with_spaces.exists(),
        ),
        Step(
            "Les lieux de stationnement",
            "où le bus se gare, avec l'adresse et le branchement électrique",
            reverse("planning:site_list"),
            Site.objects.for_operator(operator).active().exists(),
        ),
        Step(
            "Les partenaires",
            "les organisations qui tiennent une permanence dans le bus",
            reverse("partners:list"),
            Partner.objects.for_operator(operator).active().exists(),
        ),
        Step(
            "Un rythme ou une permanence",
            "les passages réguliers de l'année, ou une première permanence",
            reverse("planning:pattern_list"),
            SchedulePattern.objects.for_operator(operator).exists()
            or Stop.objects.for_operator(operator).exists(),
        ),
        Step(
            "L'équipe habituelle des rythmes",
            "les partenaires qui viennent chaque semaine avec un rythme, et les agents",
            reverse("planning:pattern_list"),
            RotaLine.objects.for_operator(operator).approved().partners().exists(),
        ),
        Step(
            f"Au moins {MINIMUM_AGENTS} agents",
            "l'équipe du bus : accueil et orientation, animation du cyber@atelier",
            reverse("operators:member_list"),
            agents.count() >= MINIMUM_AGENTS,
        ),
        Step(
            "La page publique vue",
            "ce que les habitants verront : lieux, horaires, partenaires",
            reverse("planning:public_page_visit"),
            operator.public_page_seen_at is not None,
        ),
    ]
    rights_mapped = _rights_mapped(operator)
    if rights_mapped is not None:
        steps.insert(
            -1,
            Step(
                "Le partenaire de chaque droit",
                "à qui va une orientation faite depuis un droit repéré (RSA, logement, CSS…)",
                reverse("screening:setup"),
                rights_mapped,
            ),
        )
    return steps


def unfinished_first_steps(operator: Operator) -> list[Step]:
    """The steps to show: all of them while one is missing, none once all are done."""
    steps = first_steps(operator)
    return [] if all(step.done for step in steps) else steps
