"""Two coordinators adding the same name at once: the second gets the French refusal, the
database keeps one row (tests/concurrency.py runs them in two threads on PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError

from allervers.partners.models import Partner
from allervers.partners.services import partner_save
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Vehicle
from allervers.planning.services import SpaceSpec, vehicle_save
from tests.concurrency import one_holding_the_other

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_partners_of_the_same_name_at_once_make_one_and_a_french_refusal(operator):
    outcomes = one_holding_the_other(
        lambda: partner_save(partner=Partner(operator=operator, name="Mission locale")),
        lambda: partner_save(partner=Partner(operator=operator, name="MISSION LOCALE")),
    )
    assert not outcomes[0].refused
    assert isinstance(outcomes[1].error, ValidationError)
    assert "s'appelle déjà" in outcomes[1].error.messages[0]
    assert Partner.objects.filter(operator=operator).count() == 1


def test_two_vehicles_of_the_same_name_at_once_make_one_and_a_french_refusal(operator):
    def save():
        spaces = [SpaceSpec(kind=SpaceKind.OFFICE, name="", capacity=None)]
        return vehicle_save(vehicle=Vehicle(operator=operator, name="Bus 2"), spaces=spaces)

    outcomes = one_holding_the_other(save, save)
    assert not outcomes[0].refused
    assert isinstance(outcomes[1].error, ValidationError)
    assert Vehicle.objects.filter(operator=operator, name="Bus 2").count() == 1
