"""Request themes: the defaults every operator starts with; adding, renaming, ordering and
archiving one. A topic keeps its slug when renamed (imports still find it)."""

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils.text import slugify

from allervers.core.names import free_slug
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


def _refuse_duplicate(operator: Operator, name: str, exclude_id: int | None = None) -> str:
    """The slug of `name`; refused when it has no letter or when another topic of the operator
    bears the same name (whatever its case and accents)."""
    slug = slugify(name)[:80]
    if not slug:
        refuse("Ce nom de thématique ne convient pas : utilisez des lettres.", "bad_name")
    others = Topic.objects.for_operator(operator).exclude(pk=exclude_id)
    names = others.filter(Q(slug=slug) | Q(name__iexact=name)).values_list("name", flat=True)
    if any(slugify(other)[:80] == slug for other in names):
        refuse(f"La thématique « {name} » existe déjà.", "duplicate_topic")
    return slug


@transaction.atomic
def topic_create(*, operator: Operator, name: str) -> Topic:
    name = " ".join(name.split())
    slug = free_slug(Topic.objects.for_operator(operator), _refuse_duplicate(operator, name)[:75])
    existing = Topic.objects.for_operator(operator)
    position = (existing.aggregate(Max("position"))["position__max"] or 0) + 1
    try:
        with transaction.atomic():  # another agent may add the same topic at the same instant
            return Topic.objects.create(operator=operator, name=name, slug=slug, position=position)
    except IntegrityError:
        refuse(f"La thématique « {name} » existe déjà.", "duplicate_topic")


@transaction.atomic
def topic_rename(*, topic: Topic, name: str) -> Topic:
    """Rename a topic; its past visits follow (they point to the topic, not to its name)."""
    name = " ".join(name.split())
    Topic.objects.select_for_update().filter(pk=topic.pk).first()
    _refuse_duplicate(topic.operator, name, exclude_id=topic.pk)
    topic.name = name
    topic.save(update_fields=["name"])
    return topic


@transaction.atomic
def topic_move(*, topic: Topic, up: bool) -> Topic:
    """Move a topic one place up or down among the topics in use (or among the archived ones):
    the order of the visit form. Positions are renumbered 0, 1, 2... in one go."""
    group = list(
        Topic.objects.for_operator(topic.operator_id)
        .select_for_update()
        .filter(is_archived=topic.is_archived)
        .order_by("position", "name", "pk")
    )
    index = next(i for i, other in enumerate(group) if other.pk == topic.pk)
    target = index - 1 if up else index + 1
    if 0 <= target < len(group):
        group[index], group[target] = group[target], group[index]
    for position, other in enumerate(group):
        other.position = position
    Topic.objects.bulk_update(group, ["position"])
    return topic


@transaction.atomic
def topic_set_archived(*, topic: Topic, archived: bool) -> Topic:
    """Archive a topic: it leaves the form, its past visits keep it."""
    topic.is_archived = archived
    topic.save(update_fields=["is_archived"])
    return topic
