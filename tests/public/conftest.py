import datetime

import pytest
from django.utils import timezone

from allervers.planning.enums import CancelReason, StopStatus
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SiteFactory,
    StopFactory,
    VehicleFactory,
)


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


@pytest.fixture
def planning(operator):
    """Two sites, two partners, four upcoming stops (one cancelled) and one far in the past."""
    operator.email = "bus@ccas-test.example"
    operator.save()
    vehicle = VehicleFactory(operator=operator)
    regain = SiteFactory(
        operator=operator,
        name="Place du Regain",
        slug="place-du-regain",
        address="Place du Regain",
        latitude="50.458900",
        longitude="2.613500",
        accessibility_notes="Trottoir abaissé devant le bus.",
    )
    ecole = SiteFactory(operator=operator, name="École Jules Ferry", slug="ecole-jules-ferry")
    mission = PartnerFactory(operator=operator, name="Mission locale", slug="mission-locale")
    plie = PartnerFactory(operator=operator, name="PLIE", slug="plie")

    def stop(days, site, start=9, end=12, **fields):
        return StopFactory(
            operator=operator,
            vehicle=vehicle,
            site=site,
            date=in_days(days),
            start_time=datetime.time(start),
            end_time=datetime.time(end),
            **fields,
        )

    stops = {
        "next": stop(1, regain),
        "cancelled": stop(3, ecole, 14, 17),
        "later": stop(8, ecole),
        "evening": stop(15, regain, 17, 20, title="Soirée : permanence de 17 h à 20 h"),
        "old": stop(-400, regain),
    }
    stops["cancelled"].status = StopStatus.CANCELLED
    stops["cancelled"].cancel_reason = CancelReason.BREAKDOWN
    stops["cancelled"].cancel_note = "Batterie du bus à remplacer."
    stops["cancelled"].save()
    PartnerPresenceFactory(stop=stops["next"], partner=mission)
    PartnerPresenceFactory(stop=stops["later"], partner=plie)
    PartnerPresenceFactory(stop=stops["evening"], partner=mission)
    return {
        "operator": operator,
        "vehicle": vehicle,
        "sites": {"regain": regain, "ecole": ecole},
        "partners": {"mission": mission, "plie": plie},
        "stops": stops,
    }
