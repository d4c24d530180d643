"""Every operator-owned row belongs to the operator of each of its operator-owned parents.

The relations are found from the models (tests/operators/ownership.py), one query each: a new
model or foreign key is checked without being listed here.
"""

import pytest

from allervers.planning.models import Stop
from allervers.reception.models import Visit
from tests.operators.factories import OperatorFactory
from tests.reception.factories import VisitFactory

from .ownership import operator_owned_models, parent_mismatches, parent_relations

pytestmark = pytest.mark.django_db


def test_the_relations_are_found_from_the_models():
    relations = {str(relation) for relation in parent_relations()}
    # A few that must be there (the list itself is never written by hand).
    assert {
        "planning.Stop.site",
        "planning.Stop.vehicle",
        "reception.Visit.stop",
        "reception.VisitTopic.topic",
        "reception.Referral.partner",
        "operators.Membership.partner",
        "reporting.YearClosureFilter.closure",
    } <= relations
    owned = set(operator_owned_models())
    assert {relation.model for relation in parent_relations()} <= owned
    assert all(relation.field.related_model in owned for relation in parent_relations())


def test_the_demo_rows_have_their_parents_operator(demo):
    assert parent_mismatches() == {}


def test_a_row_of_another_operator_than_its_parent_is_reported(operator, other_operator):
    visit = VisitFactory(operator=operator)
    assert parent_mismatches() == {}
    Stop.objects.filter(pk=visit.stop_id).update(operator=other_operator)
    found = parent_mismatches()
    assert found["reception.Visit.stop"] == [visit.pk]
    # The stop is now in another operator than its own site and vehicle, too.
    assert found["planning.Stop.site"] == [visit.stop_id]
    assert found["planning.Stop.vehicle"] == [visit.stop_id]
    assert set(found) == {"reception.Visit.stop", "planning.Stop.site", "planning.Stop.vehicle"}


def test_a_missing_parent_is_no_mismatch(operator):
    visit = VisitFactory(operator=operator, person=None)
    Visit.objects.filter(pk=visit.pk).update(operator=OperatorFactory())
    found = parent_mismatches()
    assert found == {"reception.Visit.stop": [visit.pk]}  # not Visit.person: it has none
