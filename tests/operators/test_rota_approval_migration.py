"""The approval of partners' declared weekly presences moves from each partner to the
structure: a structure where any partner required approval keeps requiring it, one whose
partners were all trusted does not, one without partners asks for approval (the default)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.operators.factories import OperatorFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("operators", "0014_slug_reserved_droits"),
    ("partners", "0003_partner_recurring_needs_approval"),
]
AFTER = [("partners", "0004_remove_partner_recurring_needs_approval")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_a_structure_where_any_partner_required_approval_keeps_requiring_it():
    mixed, trusting, without = OperatorFactory(), OperatorFactory(), OperatorFactory()
    try:
        old = _migrate(BEFORE)
        Partner = old.get_model("partners", "Partner")
        for operator, needs in (
            (mixed, True),
            (mixed, False),
            (trusting, False),
            (trusting, False),
        ):
            Partner.objects.create(
                operator_id=operator.pk,
                name=f"Partenaire {Partner.objects.count()}",
                slug=f"partenaire-{Partner.objects.count()}",
                recurring_needs_approval=needs,
            )
    finally:
        new = _migrate(AFTER)
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    Operator = new.get_model("operators", "Operator")
    assert Operator.objects.get(pk=mixed.pk).partner_rota_needs_approval is True
    assert Operator.objects.get(pk=trusting.pk).partner_rota_needs_approval is False
    assert Operator.objects.get(pk=without.pk).partner_rota_needs_approval is True
    assert "recurring_needs_approval" not in {
        f.name for f in new.get_model("partners", "Partner")._meta.get_fields()
    }
