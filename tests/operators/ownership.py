"""Which models belong to an operator, and whether each row's operator is its parents' operator.

Found from the app registry and `_meta`, never from a hand list: a new operator-owned model, or a
new foreign key between two of them, is checked as soon as it exists.
"""

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import F

from allervers.operators.models import Operator


def operator_field(model: type[models.Model]) -> models.ForeignKey | None:
    """The model's `operator` foreign key to Operator, if it has one."""
    try:
        field = model._meta.get_field("operator")
    except FieldDoesNotExist:
        return None
    if field.many_to_one and field.related_model is Operator:
        return field
    return None


def operator_owned_models() -> list[type[models.Model]]:
    """Every installed model with an `operator` foreign key (an operator-owned model)."""
    return [model for model in apps.get_models() if operator_field(model) is not None]


@dataclass(frozen=True)
class ParentRelation:
    """A foreign key from an operator-owned model to another operator-owned model."""

    model: type[models.Model]
    field: models.ForeignKey

    def __str__(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"


def parent_relations() -> list[ParentRelation]:
    return [
        ParentRelation(model, field)
        for model in operator_owned_models()
        for field in model._meta.get_fields()
        if field.many_to_one
        and field.concrete
        and field.name != "operator"
        and operator_field(field.related_model) is not None
    ]


def parent_mismatches() -> dict[str, list]:
    """{relation: primary keys of the rows whose operator differs from that parent's}.

    One query per relation; a row without that parent (a null foreign key) is not a mismatch.
    """
    found = {}
    for relation in parent_relations():
        name = relation.field.name
        pks = list(
            relation.model._base_manager.filter(**{f"{name}__isnull": False})
            .exclude(operator=F(f"{name}__operator"))
            .values_list("pk", flat=True)
            .order_by("pk")
        )
        if pks:
            found[str(relation)] = pks
    return found
