"""A coordinator sets up the structure: the bus and its spaces, a partner with two contact
addresses, the request themes; axe reports nothing on any page visited."""

import re

import pytest

from allervers.partners.models import Partner
from allervers.planning.models import Vehicle
from allervers.reception.services.topics import topics_seed_defaults
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_sets_up_the_bus_and_a_partner(live_server, page, operator, coordinator):
    topics_seed_defaults(operator=operator)  # what operator_create does for a new structure
    log_in(page, live_server.url, coordinator)
    page.get_by_role("link", name="Structure").click()
    page.get_by_role("heading", name="Réglages de la structure").wait_for()
    assert_accessible(page)

    # The bus and its three spaces; a wrong number first.
    page.get_by_role("link", name="Véhicules et espaces").click()
    page.get_by_role("heading", name="Véhicules et espaces").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Ajouter un véhicule").click()
    page.get_by_label("Nom du véhicule").fill("Bus emploi")
    page.get_by_label("Accessible en fauteuil roulant (rampe ou élévateur)").check()
    page.get_by_label("Autres aménagements d'accessibilité (page publique)").fill(
        "Élévateur à l'arrière"
    )
    page.get_by_label("Bureau : nom :", exact=True).fill("Bureau")
    page.get_by_label("Bureau : nombre de places").fill("4")
    page.get_by_label("Cyber@atelier : nom :", exact=True).fill("Cyber@atelier")
    page.get_by_label("Cyber@atelier : nombre de places").fill("800")
    page.get_by_label("Espace d'accueil : nom :", exact=True).fill("Accueil")
    page.get_by_label("Espace d'accueil : nombre de places").fill("4")
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer le véhicule").click()
    page.get_by_text("Pas plus de 200 places : vérifiez le nombre.").wait_for()
    assert_accessible(page)
    page.get_by_label("Cyber@atelier : nombre de places").fill("8")
    page.get_by_role("button", name="Enregistrer le véhicule").click()
    page.get_by_text("Le véhicule « Bus emploi » est enregistré.").wait_for()
    table = page.get_by_role("table").inner_text()
    assert "Bus emploi" in table and "Cyber@atelier" in table and "8 places" in table
    assert_accessible(page)
    vehicle = Vehicle.objects.get(operator=operator)
    assert sorted(vehicle.spaces.values_list("kind", "capacity")) == [
        ("cyber", 8),
        ("office", 4),
        ("waiting", 4),
    ]

    # A partner with two contact addresses.
    page.get_by_role("link", name="Structure").click()
    page.get_by_role("link", name="Partenaires", exact=True).click()
    page.get_by_role("heading", name="Partenaires").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Ajouter un partenaire").click()
    page.get_by_label(re.compile(r"^Nom\b")).fill("PLIE du Béthunois")
    page.get_by_label("Type de partenaire").select_option(label="PLIE")
    page.get_by_label("Ce qu'il propose (page publique)").fill("Un accompagnement vers l'emploi")
    page.get_by_label("Adresses pour les avis de planning").fill(
        "accueil@plie.example.org\nreferente@plie.example.org"
    )
    page.get_by_label("Téléphone").fill("03 21 00 00 00")
    page.get_by_label("Les personnes de ce partenaire ont un accès à Allervers").check()
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer le partenaire").click()
    page.get_by_text("Le partenaire « PLIE du Béthunois » est enregistré.").wait_for()
    assert_accessible(page)  # its page, with the invitation form
    page.get_by_role("link", name="Tous les partenaires").click()
    table = page.get_by_role("table").inner_text()
    assert "PLIE du Béthunois" in table
    assert "accueil@plie.example.org" in table and "referente@plie.example.org" in table
    assert_accessible(page)
    assert Partner.objects.get(operator=operator).notice_email_list == [
        "accueil@plie.example.org",
        "referente@plie.example.org",
    ]

    # The request themes: order and rename without any script.
    page.goto(f"{live_server.url}/accueil/reglages/")
    page.get_by_role("button", name="Monter RSA").click()
    page.get_by_text("Thématique mise à jour.").wait_for()
    assert_accessible(page)
