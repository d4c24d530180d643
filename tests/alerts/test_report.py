"""The yearly report's section « Prévenez-moi »: subscribers reached per site and the share of
visits at stops with alerts; a viewer never reads a count below 5; the CSV carries it too."""

import datetime

import pytest
from django.urls import reverse

from allervers.alerts.enums import AlertKind, AlertStatus
from allervers.alerts.models import AlertMessage
from allervers.core.roles import Role
from tests.alerts.factories import SubscriptionFactory
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
YEAR_QUERY = {"periode": "annee", "annee": str(YEAR)}


@pytest.fixture
def year_with_alerts(operator):
    site = SiteFactory(operator=operator, name="Place du Regain")
    told = StopFactory(operator=operator, site=site, date=datetime.date(YEAR, 3, 4))
    other = StopFactory(operator=operator, site=site, date=datetime.date(YEAR, 3, 11))
    for _ in range(3):
        AlertMessage.objects.create(
            operator=operator,
            subscription=SubscriptionFactory(operator=operator, sites=[site]),
            site=site,
            stop=told,
            kind=AlertKind.DAY_BEFORE,
            status=AlertStatus.DELIVERED,
            not_after=datetime.datetime(YEAR, 3, 4, 9, tzinfo=datetime.UTC),
        )
    for stop, count in ((told, 6), (other, 7)):
        for _ in range(count):
            VisitFactory(operator=operator, stop=stop)
    return site


def test_the_coordinator_reads_the_section(client, coordinator, year_with_alerts):
    client.force_login(coordinator)
    page = client.get(reverse("reporting:dashboard"), YEAR_QUERY).text
    assert "Alertes « Prévenez-moi »" in page and "Abonnés prévenus par lieu" in page
    assert "46" in page  # 6 visits out of 13
    csv = client.get(reverse("reporting:export_csv"), YEAR_QUERY).content.decode("utf-8-sig")
    assert "Abonnés prévenus par lieu" in csv


def test_a_viewer_never_reads_a_small_count(client, operator, make_member, year_with_alerts):
    client.force_login(make_member(operator, Role.VIEWER))
    page = client.get(reverse("reporting:dashboard"), YEAR_QUERY).text
    section = page[page.index("Abonnés prévenus par lieu") :]
    assert "Place du Regain" in section
    assert "< 5" in section or "&lt; 5" in section
