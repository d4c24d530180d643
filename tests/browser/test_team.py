import re

import pytest
from django.contrib.auth import get_user_model

from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_adds_a_partner_to_the_team(live_server, page, operator, coordinator):
    from tests.partners.factories import PartnerFactory

    PartnerFactory(operator=operator, name="Mission locale")
    log_in(page, live_server.url, coordinator)

    page.get_by_role("link", name="Structure").click()
    page.get_by_role("heading", name="Réglages de la structure").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Gérer l'équipe et les accès").click()
    page.get_by_role("link", name="Ajouter une personne").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Ajouter une personne").click()
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label(re.compile(r"^Nom\b")).fill("Morel")
    page.get_by_label("Adresse électronique").fill("ines.morel@example.org")
    page.get_by_role("radio", name="Partenaire", exact=True).check()
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Choisissez l'organisation de ce partenaire.").wait_for()
    assert_accessible(page)
    page.get_by_label("Organisation partenaire").select_option(label="Mission locale")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text("Inès Morel fait partie de l'équipe.").wait_for()
    assert "Mission locale" in page.get_by_role("table").inner_text()
    assert_accessible(page)
    assert get_user_model().objects.filter(email="ines.morel@example.org").exists()
