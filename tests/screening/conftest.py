import time
from decimal import Decimal

import pytest

from allervers.screening import engine
from allervers.screening.enums import RightKind
from tests.partners.factories import PartnerFactory
from tests.reception.factories import PersonFactory, VisitFactory

from .factories import ScreeningFactory, ScreeningRightFactory, ScreeningSetupFactory

# What the engine answers for the households of these tests: OpenFisca itself is loaded only by
# test_rules.py (slow); the other tests give the estimate these values.
RSA_AND_HOUSING = {
    "rsa": 573.49,
    "ppa": 0.0,
    "aide_logement": 274.0,
    "af": 0.0,
    "cf": 0.0,
    "asf": 0.0,
    "aspa": 0.0,
    "cheque_energie": 0.0,
    "bourse_college": 0.0,
    "bourse_lycee": 0.0,
    engine.CSS_ELIGIBLE: True,
    engine.CSS_PARTICIPATION: 0.0,
}


@pytest.fixture
def fake_engine(monkeypatch):
    """The engine answers `fake_engine.values` (RSA and housing aid by default) at once."""

    class Fake:
        values = dict(RSA_AND_HOUSING)
        calls = 0
        seconds = 0.0  # how long each computation takes
        failure = None  # an exception each computation raises

        def simulate(self, household, month, deadline=None):
            self.calls += 1
            time.sleep(self.seconds)
            if self.failure is not None:
                raise self.failure
            return dict(self.values)

    fake = Fake()
    monkeypatch.setattr(engine, "simulate", fake.simulate)
    return fake


@pytest.fixture
def screening(operator):
    """Odette Lemaire's screening: the ASPA found (1,043.59 €), CARSAT the partner that
    handles it (the page « Vos droits estimés » and its sending)."""
    operator.phone = "03 21 00 00 00"
    operator.save()
    person = PersonFactory(operator=operator, first_name="Odette", last_name="Lemaire")
    visit = VisitFactory(operator=operator, person=person)
    carsat = PartnerFactory(operator=operator, name="CARSAT Nord-Picardie", phone="3960")
    ScreeningSetupFactory(operator=operator, partner_aspa=carsat)
    screening = ScreeningFactory(operator=operator, visit=visit, kinds_found=[RightKind.ASPA])
    ScreeningRightFactory(
        operator=operator, screening=screening, kind=RightKind.ASPA, amount=Decimal("1043.59")
    )
    return screening
