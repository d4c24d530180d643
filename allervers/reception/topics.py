"""The request themes every operator starts with, taken from the Barlin field report."""

from django.db import transaction

from allervers.operators.models import Operator

from .models import Topic

DEFAULT_TOPICS: list[tuple[str, str]] = [
    ("emploi", "Démarches administratives liées à l'emploi"),
    ("ouverture-droits", "Ouverture de droits"),
    ("rsa", "RSA"),
    ("sante", "Santé"),
    ("caf", "CAF"),
    ("papiers-identite", "Papiers d'identité (CNI, passeport)"),
    ("impots", "Déclaration d'impôts"),
    ("numerique", "Numérique"),
    ("logement", "Logement"),
    ("mobilite", "Mobilité"),
    ("autre", "Autre"),
]


@transaction.atomic
def topics_seed_defaults(*, operator: Operator) -> int:
    """Create the default topics the operator lacks; return how many were created."""
    existing = set(Topic.objects.for_operator(operator).values_list("slug", flat=True))
    missing = [
        Topic(operator=operator, slug=slug, name=name, position=index)
        for index, (slug, name) in enumerate(DEFAULT_TOPICS)
        if slug not in existing
    ]
    Topic.objects.bulk_create(missing)
    return len(missing)
