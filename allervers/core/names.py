"""Names a structure gives its things (partners, vehicles, spaces) are unique whatever their case
and accents: compared here, in Python, because SQLite's case-insensitive comparisons only know
ASCII ("É" and "é" differ there)."""

import contextlib
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils.text import slugify


def name_key(name: str) -> str:
    """What two names share when they are "the same" name: 'Béthune ' and 'BETHUNE'."""
    return slugify(" ".join(name.split())) or name.strip().casefold()


def name_taken(existing: Iterable[str], name: str) -> str | None:
    """The name of `existing` that is the same as `name`, if any."""
    key = name_key(name)
    return next((other for other in existing if name_key(other) == key), None)


def free_slug(siblings: QuerySet, base: str) -> str:
    """`base`, or `base-2`, `base-3`... : the first slug none of `siblings` (the rows of the
    same structure, the row itself left out) holds."""
    taken = set(siblings.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


@contextlib.contextmanager
def unique_name_saving(message: str, *, code: str):
    """Run the block's save in a savepoint: when someone else saved the same name (or slug) in
    the instant between the check above it and this save, the database's unique constraint
    refuses it, and the person gets `message` (a French `ValidationError`), not a server error."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise ValidationError(message, code=code) from error
