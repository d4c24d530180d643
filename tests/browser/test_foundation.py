import datetime

import pytest
from django.utils import timezone

from allervers.core.roles import Role
from tests.accounts.second_factor import enrol
from tests.browser.conftest import assert_accessible, enter_code
from tests.planning.factories import PartnerPresenceFactory, StopFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_logs_in_and_reads_the_next_stop(live_server, page, operator, make_member):
    agent = make_member(operator, Role.AGENT, first_name="Karim")
    stop = StopFactory(
        operator=operator,
        date=timezone.localdate() + datetime.timedelta(days=1),
        site__name="Place du Regain",
        start_time=datetime.time(14),
        end_time=datetime.time(17),
    )
    PartnerPresenceFactory(stop=stop, partner__name="Mission locale")

    page.goto(f"{live_server.url}/")
    assert "/compte/connexion/" in page.url
    assert_accessible(page)

    page.get_by_label("Adresse électronique").fill("wrong@example.org")
    page.get_by_label("Mot de passe").fill("wrong")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_text("Adresse électronique ou mot de passe incorrect.").wait_for()
    assert_accessible(page)

    page.get_by_label("Adresse électronique").fill(agent.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    device = enrol(agent)
    page.get_by_role("button", name="Se connecter").click()
    enter_code(page, device)
    page.get_by_role("heading", name="Bonjour Karim").wait_for()

    upcoming = page.get_by_role("region", name="Prochaines permanences")
    card = upcoming.get_by_role("article").first
    assert "Place du Regain" in card.inner_text()
    assert "14h00–17h00" in card.inner_text()
    assert "Mission locale" in card.inner_text()
    assert_accessible(page)


def test_the_skip_link_comes_first_and_moves_focus_to_the_content(live_server, page):
    page.goto(f"{live_server.url}/compte/connexion/")
    first = page.evaluate(
        "document.querySelector('a[href], button, input:not([type=hidden]), select').textContent"
    )
    assert first.strip() == "Aller au contenu"
    page.focus(".skip-link")
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
