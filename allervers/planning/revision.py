"""A revision stamp per operator's planning, changed by every planning write.

Readers that cache what they derive from the planning (the public pages, feeds and API) put the
stamp in their cache keys: a change of planning makes every cached copy unreachable at once, and
the planning never needs to know who caches it.
"""

import uuid

from django.core.cache import cache
from django.db import transaction


def _key(operator_id: int) -> str:
    return f"planning-revision:{operator_id}"


def planning_revision(operator_id: int) -> str:
    return cache.get_or_set(_key(operator_id), lambda: uuid.uuid4().hex, timeout=None)


def planning_revision_bump(operator_id: int) -> None:
    """Call from every service that changes stops, presences or sites (after the commit)."""
    transaction.on_commit(lambda: cache.set(_key(operator_id), uuid.uuid4().hex, timeout=None))
