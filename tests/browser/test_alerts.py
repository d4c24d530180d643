"""« Prévenez-moi » with JavaScript off: a resident subscribes to two sites from a site's page,
confirms with the code received by SMS, receives the day-before SMS of each (the local fake
provider), a cancellation at once, and unsubscribes through the link of a message; axe passes
on every page (run in a twin page with JavaScript, as in test_booking_public)."""

import datetime
import re

import pytest
from django.core.management import call_command

from allervers.alerts.models import Subscription
from allervers.bookings.sms import fake
from allervers.planning.enums import CancelReason
from allervers.planning.services import stop_cancel
from tests.browser.test_booking_public import axe_twin  # noqa: F401
from tests.browser.test_public import resident_page  # noqa: F401 — a phone without JavaScript
from tests.conftest import PARIS
from tests.planning.factories import SiteFactory, StopFactory

pytestmark = pytest.mark.django_db(transaction=True)

TOMORROW = datetime.date(2026, 6, 11)


@pytest.fixture
def two_sites(operator):
    operator.reminder_time = datetime.time(17, 0)
    operator.save()
    school = SiteFactory(operator=operator, name="École Jules Ferry", slug="ecole-jules-ferry")
    square = SiteFactory(operator=operator, name="Place du Regain", slug="place-du-regain")
    stops = [
        StopFactory(
            operator=operator,
            site=site,
            date=TOMORROW,
            start_time=datetime.time(hour),
            end_time=datetime.time(hour + 3),
        )
        for site, hour in ((square, 9), (school, 14))
    ]
    stops[1].vehicle = stops[0].vehicle
    stops[1].save()
    return school, square, stops


def test_a_resident_subscribes_receives_and_unsubscribes(
    live_server,
    resident_page,  # noqa: F811
    axe_twin,  # noqa: F811
    two_sites,
    settings,
    clock,
    coordinator,
):
    settings.ALLERVERS_SITE_URL = live_server.url
    settings.ALLERVERS_SMS_BACKEND = "fake"
    fake.fake_reset()
    stops = two_sites[2]
    page = resident_page
    page.goto(f"{live_server.url}/ccas-test/lieux/ecole-jules-ferry/")
    page.get_by_role("link", name="Recevoir les alertes de ce lieu").click()

    page.get_by_role("heading", level=1, name="Prévenez-moi quand le bus vient").wait_for()
    axe_twin(page)
    sites = page.get_by_role("group", name="Les lieux")
    assert sites.get_by_label("École Jules Ferry").is_checked()
    sites.get_by_label("Place du Regain").check()
    page.get_by_label("Votre numéro de portable").fill("06 12 34 56 78")
    page.get_by_role("button", name="Recevoir le code de confirmation").click()  # no consent
    page.get_by_role("heading", name="Votre demande n'est pas encore envoyée").wait_for()
    axe_twin(page)
    page.get_by_label("J'accepte de recevoir un message").check()
    page.get_by_role("button", name="Recevoir le code de confirmation").click()

    page.get_by_role("heading", level=1, name="Confirmez votre inscription").wait_for()
    axe_twin(page)
    code = re.search(r"\b(\d{6})\b", fake.SENT[-1].text)[1]
    page.get_by_label("Le code reçu").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Confirmer").click()
    page.get_by_text("Ce code n'est pas le bon").first.wait_for()
    axe_twin(page)
    page.get_by_label("Le code reçu").fill(code)
    page.get_by_role("button", name="Confirmer").click()

    page.get_by_role("heading", level=1, name="Vos alertes du bus").wait_for()
    page.get_by_text("C'est confirmé").wait_for()
    axe_twin(page)
    assert Subscription.objects.get().sites.count() == 2

    # The day before, at the structure's reminder time: one SMS per stop.
    clock.move_to(datetime.datetime(2026, 6, 10, 17, 0, tzinfo=PARIS))
    call_command("send_alerts")
    day_before = [sms.text for sms in fake.SENT[1:]]
    assert sorted(day_before) == sorted(
        [
            f"Le bus de CCAS de test sera demain jeudi 9h-12h à Place du Regain. "
            f"Infos et désinscription : {live_server.url}/alertes/{_code()}/",
            f"Le bus de CCAS de test sera demain jeudi 14h-17h à École Jules Ferry. "
            f"Infos et désinscription : {live_server.url}/alertes/{_code()}/",
        ]
    )

    # A cancellation: told at once.
    stop_cancel(stop=stops[0], reason=CancelReason.BREAKDOWN, note="", by=coordinator)
    assert fake.SENT[-1].text.startswith(
        "Annulé : le bus de CCAS de test ne viendra pas demain 9h-12h à Place du Regain."
    )
    assert len(fake.SENT) == 4

    # The link of the message: one click unsubscribes, the number is erased.
    link = re.search(r"(http\S+/)$", fake.SENT[-1].text)[1]
    page.goto(link)
    page.get_by_role("heading", level=1, name="Vos alertes du bus").wait_for()
    axe_twin(page)
    page.get_by_role("button", name="Me désinscrire").click()
    page.get_by_role("heading", level=1, name="Vous êtes désinscrit(e)").wait_for()
    axe_twin(page)
    assert not Subscription.objects.exists()


def _code() -> str:
    from allervers.alerts.links import subscription_code

    return subscription_code(Subscription.objects.get())


def test_an_agent_subscribes_someone_and_the_coordinator_reads_the_counts(
    live_server, page, operator, make_member, two_sites
):
    from allervers.core.roles import Role
    from tests.browser.conftest import assert_accessible, log_in

    agent = make_member(operator, Role.AGENT)
    log_in(page, live_server.url, agent, "/accueil/alertes/inscrire/")
    page.get_by_role("heading", level=1, name="Inscrire une personne aux alertes").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Inscrire").click()  # nothing filled: told so
    page.get_by_role("heading", name="L'inscription n'est pas encore faite").wait_for()
    assert_accessible(page)
    page.get_by_role("group", name="Les lieux").get_by_label("Place du Regain").check()
    page.get_by_label("Numéro de portable de la personne").fill("06 98 76 54 32")
    page.get_by_label("La personne accepte de recevoir").check()
    page.get_by_role("button", name="Inscrire").click()
    page.get_by_text("C'est fait").wait_for()
    assert Subscription.objects.get().created_by == agent

    coordinator = make_member(operator, Role.COORDINATOR)
    page.context.clear_cookies()
    log_in(page, live_server.url, coordinator, "/accueil/alertes/")
    page.get_by_role("heading", level=1, name="Alertes « Prévenez-moi »").wait_for()
    assert_accessible(page)
    assert "06 98" not in page.content()
    page.get_by_role("button", name="Mettre en pause les alertes de Place du Regain").click()
    page.get_by_text("sont en pause").wait_for()
    assert_accessible(page)
