"""An agent at the bus door records a walk-in with the keyboard alone, then ends it."""

import pytest
from django.utils import timezone

from allervers.core.roles import Role
from allervers.reception.models import Visit
from allervers.reception.services.topics import topics_seed_defaults
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_walk_in_is_recorded_with_the_keyboard_in_8_keystrokes_and_ended(
    live_server, page, operator, make_member, today_stop
):
    agent = make_member(operator, Role.AGENT, first_name="Karim")
    topics_seed_defaults(operator=operator)
    operator.neighbourhood_streets = "Rue du Regain\nRue Pasteur"
    operator.save()

    log_in(page, live_server.url, agent, "/accueil/visites/nouvelle/")
    page.get_by_role("heading", name="Nouvelle visite").wait_for()
    assert_accessible(page)

    # Opened on today's stop, arrival now, every answer « Non renseigné », focus on the first one.
    assert "Place du Regain" in page.locator("#id_stop option:checked").inner_text()
    assert page.get_by_label("Heure d'arrivée").input_value() == "10:00"  # NOW, tests/conftest.py
    assert page.evaluate("document.activeElement.id") == "id_gender_0"

    # Count the keys the page really receives: a listener on the window (capture phase, so a
    # handler stopping propagation cannot hide one), kept in sessionStorage across the submission.
    page.evaluate(
        """() => {
            sessionStorage.setItem("keysPressed", "0");
            window.addEventListener("keydown", () => sessionStorage.setItem(
                "keysPressed", String(Number(sessionStorage.getItem("keysPressed")) + 1)
            ), true);
        }"""
    )
    for key in [
        "ArrowDown",  # genre : Femme
        "Tab",
        "ArrowDown",  # âge : moins de 26 ans
        "Tab",
        "ArrowDown",  # habite le quartier : oui
        "Tab",
        "Space",  # thématique : démarches administratives liées à l'emploi
        "Enter",  # enregistrer
    ]:
        page.keyboard.press(key)
    page.get_by_role("heading", name="Visites du jour").wait_for()
    assert page.evaluate("sessionStorage.getItem('keysPressed')") == "8"
    page.get_by_text("Visite enregistrée").wait_for()
    assert_accessible(page)

    visit = Visit.objects.get()
    assert (visit.gender, visit.age_band, visit.lives_in_area, visit.mode) == (
        "female",
        "under_26",
        "yes",
        "walk_in",
    )
    assert list(visit.topics.values_list("slug", flat=True)) == ["emploi"]

    in_bus = page.get_by_role("region", name="Place du Regain")
    assert "Dans le bus (1)" in in_bus.inner_text()
    assert "Démarches administratives liées à l'emploi" in in_bus.inner_text()
    terminer = page.get_by_role("button", name="Terminer")
    terminer.focus()
    page.keyboard.press("Enter")
    page.get_by_text("Visite terminée à").wait_for()  # (not « Aucune visite terminée »)
    assert "Dans le bus (0)" in page.get_by_role("region", name="Place du Regain").inner_text()
    assert "Parties (1)" in page.get_by_role("region", name="Place du Regain").inner_text()
    assert_accessible(page)
    visit.refresh_from_db()
    assert visit.left_at is not None


def test_every_reception_page_passes_axe(live_server, page, operator, make_member, today_stop):
    from allervers.partners.models import Partner
    from tests.reception.factories import PersonFactory, ReferralFactory, VisitFactory

    coordinator = make_member(operator, Role.COORDINATOR)
    topics_seed_defaults(operator=operator)
    stop = today_stop
    person = PersonFactory(operator=operator, first_name="Amina", last_name="Lemaire")
    visit = VisitFactory(operator=operator, stop=stop, person=person, arrived_at=timezone.now())
    referral = ReferralFactory(operator=operator, visit=visit, partner__name="Mission locale")
    Partner.objects.filter(pk=referral.partner_id).update(is_archived=False)

    log_in(page, live_server.url, coordinator, "/accueil/")
    page.get_by_role("heading", name="Visites du jour").wait_for()
    assert_accessible(page)
    for path in [
        f"/accueil/visites/{visit.pk}/",
        f"/accueil/visites/{visit.pk}/corriger/",
        f"/accueil/visites/{visit.pk}/orienter/",
        "/accueil/visites/",
        "/accueil/visites/import/",
        "/accueil/orientations/",
        f"/accueil/orientations/{referral.pk}/",
        f"/accueil/personnes/{person.pk}/",
        "/accueil/personnes/nouvelle/",
        f"/accueil/permanences/{stop.pk}/cyber/",
        "/accueil/reglages/",
        "/accueil/personnes/",
    ]:
        page.goto(f"{live_server.url}{path}")
        assert_accessible(page)
    page.get_by_label("Nom ou prénom").fill("lemaire")
    page.get_by_role("button", name="Chercher").click()
    page.get_by_role("heading", name="Résultats").wait_for()
    assert page.get_by_role("link", name="Amina LEMAIRE").is_visible()
    assert "lemaire" not in page.url.lower()
    assert_accessible(page)
    # A form sent back with errors is accessible too.
    page.goto(f"{live_server.url}/accueil/personnes/nouvelle/")
    page.get_by_role("button", name="Créer la fiche").click()
    page.get_by_text("L'enregistrement n'a pas été fait").wait_for()
    assert_accessible(page)
