"""Serialise the bookings of one stop or one workshop, on every database.

A no-op UPDATE of the row, first thing in the transaction: PostgreSQL then holds the row's lock
until the commit (as SELECT … FOR UPDATE would), and SQLite takes its write lock before reading
anything, so the places counted next cannot change under us. Two people after the last place:
the second waits, then counts the first's booking."""

from django.db import models


def lock_row(model: type[models.Model], pk: int) -> bool:
    """Lock one row for the current transaction; False when it does not exist."""
    column = model._meta.pk.name
    return bool(model._base_manager.filter(pk=pk).update(**{column: models.F(column)}))
