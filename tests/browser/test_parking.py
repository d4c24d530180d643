"""Issue 15, point 5, done when: on the demo, the coordinator opens « Où et quand stationner »
from the menu, reads the evening trials and a suggestion, changes the year and follows a
suggestion to its schedule pattern; every page passes axe."""

import pytest

from allervers.demo import data
from allervers.demo.loader import demo_load
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_coordinator_reads_where_and_when_to_park_on_the_demo(live_server, page):
    demo_load()
    page.goto(f"{live_server.url}/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(data.demo_email("coordination"))
    page.get_by_label("Mot de passe").fill(data.DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("link", name="Où stationner").click()

    page.get_by_role("heading", level=1, name="Où et quand stationner : année 2025").wait_for()
    evenings = page.get_by_role(
        "table", name="Visites par permanence, soir et journée : année 2025"
    )
    assert evenings.get_by_role("rowheader", name="Soir (à partir de 17 h)").is_visible()
    assert page.get_by_text("Place du Regain, le mardi soir (été) : 3 permanences").is_visible()
    suggestion = page.locator(".parking-suggestions li", has_text="mercredi après-midi")
    assert "visite par permanence contre" in suggestion.inner_text()
    assert_accessible(page)

    # Another year, from the form.
    page.get_by_role("spinbutton", name="Année").fill("2026")
    page.get_by_role("button", name="Afficher").click()
    page.get_by_role("heading", level=1, name="Où et quand stationner : année 2026").wait_for()
    assert_accessible(page)

    # Back to 2025, then to the pattern a suggestion names: nothing was changed, it is a link.
    page.get_by_role("spinbutton", name="Année").fill("2025")
    page.get_by_role("button", name="Afficher").click()
    suggestion = page.locator(".parking-suggestions li", has_text="mercredi après-midi")
    suggestion.get_by_role("link").first.click()
    page.get_by_role(
        "heading", level=1, name="Année scolaire 2025 — Parking de l'école Jules Ferry"
    ).wait_for()
    assert_accessible(page)
