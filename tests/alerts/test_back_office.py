"""The back office: an agent subscribes someone who agrees (journal entry, nobody named); the
coordinator reads counts only, pauses a site, previews tomorrow."""

import datetime

import pytest
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.alerts.enums import AlertKind, AlertStatus, SubscriptionSource
from allervers.alerts.models import AlertMessage, AlertSitePause, Subscription
from tests.alerts.factories import SubscriptionFactory
from tests.planning.factories import SiteFactory, StopFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(operator):
    return SiteFactory(operator=operator, name="Place du Regain")


def test_an_agent_subscribes_someone_who_agrees(client, agent, operator, site, fake_provider):
    client.force_login(agent)
    url = reverse("alerts:agent_subscribe")
    page = client.get(url)
    assert page.status_code == 200 and "<legend>Les lieux" in page.text
    response = client.post(
        url,
        {"phone": "06 98 76 54 32", "sites": [site.pk], "consent": "on"},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.source == SubscriptionSource.AGENT and subscription.created_by == agent
    assert subscription.confirmed_at is not None and "porte du bus" in subscription.consent_text
    entry = AccessLogEntry.objects.get(operator=operator, action=Action.ALERT_SUBSCRIBED)
    assert "+33" not in entry.detail and entry.user == agent
    assert not fake_provider.SENT


def test_without_the_consent_nothing_is_recorded(client, agent, operator, site):
    client.force_login(agent)
    response = client.post(
        reverse("alerts:agent_subscribe"), {"phone": "06 98 76 54 32", "sites": [site.pk]}
    )
    assert response.status_code == 400
    assert "seulement si la personne est d&#x27;accord" in response.text
    assert not Subscription.objects.exists()
    assert not AccessLogEntry.objects.filter(operator=operator, action=Action.ALERT_SUBSCRIBED)


def test_the_coordinator_reads_counts_never_numbers(client, coordinator, operator, site):
    subscriptions = [SubscriptionFactory(operator=operator, sites=[site]) for _ in range(2)]
    stop = StopFactory(operator=operator, site=site, date=datetime.date(2026, 6, 11))
    for subscription, status in zip(
        subscriptions, [AlertStatus.SENT, AlertStatus.FAILED], strict=True
    ):
        AlertMessage.objects.create(
            operator=operator,
            subscription=subscription,
            site=site,
            stop=stop,
            kind=AlertKind.CANCELLED,
            status=status,
            not_after=datetime.datetime(2026, 6, 11, 9, tzinfo=datetime.UTC),
        )
    client.force_login(coordinator)
    page = client.get(reverse("alerts:overview")).text
    assert "Place du Regain" in page
    assert '<td data-label="Inscrits">2</td>' in page
    assert "Juin 2026" in page and "0,04 €" in page
    assert "Le bus de CCAS de test sera demain jeudi 9h-12h à Place du Regain" in page
    for subscription in subscriptions:
        assert subscription.phone not in page and subscription.phone[3:] not in page


def test_an_agent_cannot_read_the_coordinators_page(client, agent):
    client.force_login(agent)
    assert client.get(reverse("alerts:overview")).status_code == 403


def test_pause_and_resume_a_site(client, coordinator, operator, site):
    client.force_login(coordinator)
    url = reverse("alerts:site_pause", kwargs={"site_id": site.pk})
    assert client.post(url, {"paused": "1"}).status_code == 302
    assert AlertSitePause.objects.filter(site=site).exists()
    page = client.get(reverse("alerts:overview")).text
    assert "En pause" in page
    client.post(url, {"paused": "0"})
    assert not AlertSitePause.objects.exists()


def test_another_operators_site_cannot_be_paused(client, coordinator, other_operator):
    theirs = SiteFactory(operator=other_operator)
    client.force_login(coordinator)
    url = reverse("alerts:site_pause", kwargs={"site_id": theirs.pk})
    assert client.post(url, {"paused": "1"}).status_code == 404
    assert not AlertSitePause.objects.exists()


def test_the_yearly_figures(operator, site):
    from allervers.alerts.figures import alert_figures
    from tests.reception.factories import VisitFactory

    with_alerts = StopFactory(operator=operator, site=site, date=datetime.date(2026, 3, 3))
    without = StopFactory(operator=operator, site=site, date=datetime.date(2026, 3, 10))
    subscriptions = [SubscriptionFactory(operator=operator, sites=[site]) for _ in range(3)]
    for subscription in subscriptions:
        AlertMessage.objects.create(
            operator=operator,
            subscription=subscription,
            site=site,
            stop=with_alerts,
            kind=AlertKind.DAY_BEFORE,
            status=AlertStatus.SENT,
            not_after=datetime.datetime(2026, 3, 3, 9, tzinfo=datetime.UTC),
        )
    subscriptions[0].delete()  # ended since: still counted for the year
    VisitFactory(operator=operator, stop=with_alerts)
    VisitFactory(operator=operator, stop=without)
    figures = alert_figures(operator.pk, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    assert figures["by_site"] == [{"name": "Place du Regain", "subscribers": 3}]
    assert (figures["visits"], figures["visits_at_alerted_stops"]) == (2, 1)
