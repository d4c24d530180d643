"""Names a structure gives its things (partners, vehicles, spaces) are unique whatever their case
and accents: compared here, in Python, because SQLite's case-insensitive comparisons only know
ASCII ("É" and "é" differ there)."""

from collections.abc import Iterable

from django.utils.text import slugify


def name_key(name: str) -> str:
    """What two names share when they are "the same" name: 'Béthune ' and 'BETHUNE'."""
    return slugify(" ".join(name.split())) or name.strip().casefold()


def name_taken(existing: Iterable[str], name: str) -> str | None:
    """The name of `existing` that is the same as `name`, if any."""
    key = name_key(name)
    return next((other for other in existing if name_key(other) == key), None)
