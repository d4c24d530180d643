"""A revision stamp per operator's planning, and the declaration that makes every write of what
the public pages show (the planning, the partners, the bookings' places) change it.

Readers that cache what they derive from the planning (the public pages, feeds and API) put the
stamp in their cache keys: a change of planning makes every cached copy unreachable at once, and
the planning never needs to know who caches it.

A function that writes anything the public pages show declares itself with
`@stamps_public_revision`: it then runs in one transaction and, once that transaction commits,
the revision of the operator concerned changes. Nobody calls `planning_revision_bump()` by
hand, so nobody can forget it; a test finds every write of the planning services and fails
when one is not declared.
"""

import functools
import inspect
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.core.cache import cache
from django.db import models, transaction
from django.dispatch import Signal

# The tenants' model, by its label: `core` sits below the operators app that defines it (the
# planning, the partners and the bookings all declare their writes with this stamp).
OPERATOR_MODEL = "operators.Operator"

STAMPS_PUBLIC_REVISION_MARK = "stamps_public_revision"


def _key(operator_id: int) -> str:
    return f"planning-revision:{operator_id}"


def planning_revision(operator_id: int) -> str:
    return cache.get_or_set(_key(operator_id), lambda: uuid.uuid4().hex, timeout=None)


# Sent once per operator after each committed planning write, once its new revision is set
# (keyword argument `operator_id`): the public app connects its static publication to it.
planning_changed = Signal()


def planning_revision_bump(operator_id: int) -> None:
    """Give the operator's planning a new revision once the current transaction commits (at
    once outside a transaction); nothing changes if it rolls back. `@stamps_public_revision`
    calls it. Then `planning_changed` is sent (robustly: a failing receiver cannot undo a done
    write)."""

    def bump() -> None:
        cache.set(_key(operator_id), uuid.uuid4().hex, timeout=None)
        planning_changed.send_robust(sender=apps.get_model(OPERATOR_MODEL), operator_id=operator_id)

    transaction.on_commit(bump, robust=True)


class OperatorNotFound(TypeError):
    """A planning write was called without any argument naming its operator."""


def operators_concerned(arguments: dict[str, Any]) -> set[int]:
    """The operators a write changes, read from its arguments: the `operator` argument (an
    `Operator` or its id) when there is one, else every model instance that carries an
    `operator_id` (or is an `Operator`). Several ids are all refreshed: a write mixing
    operators is refused by its service anyway, and a refresh too many costs nothing."""
    operator = arguments.get("operator")
    if operator is not None:
        return {operator.pk if isinstance(operator, models.Model) else int(operator)}
    found = set()
    for value in _instances(arguments.values()):
        operator_id = (
            value.pk if value._meta.label == OPERATOR_MODEL else getattr(value, "operator_id", None)
        )
        if operator_id is not None:
            found.add(operator_id)
    return found


def _instances(values: Iterable[Any]) -> Iterable[models.Model]:
    return (value for value in values if isinstance(value, models.Model))


def stamps_public_revision[F: Callable](function: F) -> F:
    """Declare `function` a write of what the public pages show (the planning, a partner, a
    booking's places): atomic, and the public copies of the operator concerned refresh after
    the commit (a new revision stamp).

    The operator is found in the arguments before anything runs (see `operators_concerned`);
    a call where none is found raises `OperatorNotFound` and writes nothing.
    """
    signature = inspect.signature(function)

    @functools.wraps(function)
    def write(*args, **kwargs):
        operator_ids = operators_concerned(signature.bind(*args, **kwargs).arguments)
        if not operator_ids:
            raise OperatorNotFound(
                f"{function.__qualname__}: no argument names the operator whose planning it "
                "changes (pass `operator=` or a model instance carrying `operator_id`)."
            )
        with transaction.atomic():
            result = function(*args, **kwargs)
            for operator_id in sorted(operator_ids):
                planning_revision_bump(operator_id)
        return result

    setattr(write, STAMPS_PUBLIC_REVISION_MARK, True)
    return write  # type: ignore[return-value]


def is_stamping_public_revision(function: Any) -> bool:
    return getattr(function, STAMPS_PUBLIC_REVISION_MARK, False) is True
