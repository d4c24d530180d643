"""A resident reads where the bus comes next, without JavaScript; axe passes on public pages."""

import pytest
from django.core.cache import cache

from tests.browser.conftest import assert_accessible
from tests.public.conftest import planning  # noqa: F401 — the public pages' data fixture

pytestmark = pytest.mark.django_db(transaction=True)

MAX_PAGE_BYTES = 100 * 1024


@pytest.fixture
def resident_page(browser):
    """A phone without JavaScript: the public pages must work fully in it."""
    context = browser.new_context(
        java_script_enabled=False,
        locale="fr-FR",
        timezone_id="Europe/Paris",
        viewport={"width": 375, "height": 740},
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_resident_reads_the_next_stop_without_javascript(live_server, resident_page, planning):  # noqa: F811
    cache.clear()
    page = resident_page
    page.goto(f"{live_server.url}/ccas-test/")
    page.get_by_role("heading", level=1, name="Où est le bus ?").wait_for()
    next_stop = page.get_by_role("region", name="Le prochain passage du bus")
    text = next_stop.inner_text()
    assert "Place du Regain" in text
    assert "de 9 h à 12 h" in text
    assert "Mission locale" in text

    weeks = page.get_by_role("region", name="Les passages des 4 prochaines semaines")
    cancelled = weeks.get_by_role("article").filter(has_text="Annulée")
    assert cancelled.count() == 1
    assert "Raison : panne du bus" in cancelled.inner_text()

    appointment = page.get_by_role("region", name="Prendre un rendez-vous")
    assert appointment.get_by_role("link", name="03 21 00 00 00").get_attribute("href") == (
        "tel:0321000000"
    )

    open_data = page.get_by_role("region", name="Données ouvertes")
    csv_link = open_data.get_by_role("link", name="Nos lieux de médiation numérique (tableau CSV)")
    csv = page.request.get(f"{live_server.url}{csv_link.get_attribute('href')}")
    assert csv.ok and csv.text().startswith("id,pivot,nom,commune,code_postal,")

    next_stop.get_by_role("link", name="Comment venir à Place du Regain").click()
    page.get_by_role("heading", level=1, name="Le bus à Place du Regain").wait_for()
    assert "Trottoir abaissé devant le bus." in page.inner_text("main")
    page.get_by_role("link", name="Accessibilité : partiellement conforme").click()
    page.get_by_role("heading", level=1, name="Déclaration d'accessibilité").wait_for()


def test_axe_passes_and_every_public_page_is_light(live_server, page, planning):  # noqa: F811
    cache.clear()
    for path in [
        "/ccas-test/",
        "/ccas-test/lieux/place-du-regain/",
        "/ccas-test/lieux/ecole-jules-ferry/",
        "/ccas-test/widget/",
        "/ccas-test/accessibilite/",
        "/accessibilite/",
        "/ccas-test/lieux/nulle-part/",
        "/ccas-inconnu/",
    ]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status in (200, 404), path
        assert len(response.body()) < MAX_PAGE_BYTES, path
        assert_accessible(page)
