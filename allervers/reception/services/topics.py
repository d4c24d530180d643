"""Request themes: the defaults every operator starts with, adding and archiving one."""

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify

from allervers.operators.models import Operator

from ..models import Topic
from .checks import refuse

# The request themes every operator starts with, taken from the Barlin field report.
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


@transaction.atomic
def topic_create(*, operator: Operator, name: str) -> Topic:
    name = name.strip()
    slug = slugify(name)[:80]
    if not slug:
        refuse("Ce nom de thématique ne convient pas : utilisez des lettres.", "bad_name")
    existing = Topic.objects.for_operator(operator)
    if existing.filter(slug=slug).exists():
        refuse(f"La thématique « {name} » existe déjà.", "duplicate_topic")
    position = (existing.aggregate(Max("position"))["position__max"] or 0) + 1
    try:
        with transaction.atomic():  # another agent may add the same topic at the same instant
            return Topic.objects.create(operator=operator, name=name, slug=slug, position=position)
    except IntegrityError:
        refuse(f"La thématique « {name} » existe déjà.", "duplicate_topic")


@transaction.atomic
def topic_set_archived(*, topic: Topic, archived: bool) -> Topic:
    """Archive a topic: it leaves the form, its past visits keep it."""
    topic.is_archived = archived
    topic.save(update_fields=["is_archived"])
    return topic
