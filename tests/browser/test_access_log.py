import pytest

from tests.browser.conftest import assert_accessible, log_in
from tests.reception.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_sees_who_read_a_persons_page(live_server, page, operator, coordinator):
    person = PersonFactory(operator=operator, first_name="Nadia", last_name="Ferhat")
    log_in(page, live_server.url, coordinator, f"/accueil/personnes/{person.pk}/")
    page.get_by_role("heading", name="Nadia Ferhat").wait_for()
    page.get_by_role("link", name="Voir qui a consulté cette fiche").click()
    page.get_by_role("heading", name="Journal des accès").wait_for()
    table = page.get_by_role("table")
    assert "Consultation d'une fiche personne" in table.inner_text()
    assert f"Fiche personne n° {person.pk}" in table.inner_text()
    assert coordinator.email in table.inner_text()
    assert "Ferhat" not in page.content()
    assert_accessible(page)

    page.get_by_label("Action").select_option(label="Téléchargement d'un export nominatif")
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_text("Aucune entrée ne correspond à ces filtres.").wait_for()
    assert_accessible(page)

    page.goto(f"{live_server.url}/structure/journal/?personne=Ferhat")
    page.get_by_text("Le numéro de fiche est un nombre entier.").first.wait_for()
    assert_accessible(page)

    page.goto(f"{live_server.url}/structure/reglages/")
    page.get_by_role("link", name="Journal des accès").click()
    page.get_by_role("heading", name="Journal des accès").wait_for()
    assert "1 entrée." in page.get_by_role("main").inner_text()
