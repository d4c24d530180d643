"""The migration to amount bands: a right detached before it keeps its band and month only; a
right still tied to its screening keeps its amount and day."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.screening.factories import ScreeningFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("screening", "0003_screening_more_rights")]
AFTER = [("screening", "0004_right_amount_band")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_the_rights_detached_before_keep_their_band_and_month():
    screening = ScreeningFactory()
    try:
        old = _migrate(BEFORE)
        Right = old.get_model("screening", "ScreeningRight")
        fields = {"operator_id": screening.operator_id, "made_on": datetime.date(2026, 3, 17)}
        detached = Right.objects.create(
            **fields, kind="rsa", amount=Decimal("573.49"), likely_missing=True
        )
        css = Right.objects.create(**fields, kind="css", participation=Decimal("24"))
        kept = Right.objects.create(
            **fields, screening_id=screening.pk, kind="aspa", amount=Decimal("1043.59")
        )
    finally:
        new = _migrate(AFTER)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    Right = new.get_model("screening", "ScreeningRight")
    detached, css, kept = (Right.objects.get(pk=r.pk) for r in (detached, css, kept))
    assert (detached.amount, detached.amount_band) == (None, "300-599")
    assert detached.made_on == datetime.date(2026, 3, 1)
    assert (css.participation, css.amount_band) == (None, "")
    assert (kept.amount, kept.amount_band) == (Decimal("1043.59"), "")
    assert kept.made_on == datetime.date(2026, 3, 17)
