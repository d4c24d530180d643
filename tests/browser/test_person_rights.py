"""An agent exports everything held about a person (PDF and JSON), then asks for the person's
erasure on their request; the coordinator confirms it from the list of requests: the person's
page is gone, the year's visit count is unchanged."""

import datetime
import io
import json

import pytest
from django.utils import timezone
from pypdf import PdfReader

from allervers.core.roles import Role
from allervers.reception.enums import ConsentPurpose, YesNoUnknown
from allervers.reception.models import Person
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import NOW, PARIS
from tests.planning.factories import StopFactory
from tests.reception.factories import PersonConsentFactory, PersonFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agent_exports_then_erases_a_person_and_the_year_s_figures_stay(
    live_server, page, browser, operator, make_member
):
    agent = make_member(operator, Role.AGENT, first_name="Karim")
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Marie-Paule")
    year = timezone.localdate().year - 1
    person = PersonFactory(
        operator=operator, first_name="Amina", last_name="Lemaire", consent_recorded_by=agent
    )
    for month in (3, 9):
        VisitFactory(
            operator=operator,
            stop=StopFactory(operator=operator, date=datetime.date(year, month, 10)),
            person=person,
            is_first_visit=YesNoUnknown.UNKNOWN,
        )
    VisitFactory(
        operator=operator,
        stop=StopFactory(operator=operator, date=datetime.date(year, 5, 12)),
        is_first_visit=YesNoUnknown.YES,
    )
    person_path = f"/accueil/personnes/{person.pk}/"

    log_in(page, live_server.url, agent, person_path)
    page.get_by_role("heading", level=1, name="Amina LEMAIRE").wait_for()
    assert_accessible(page)

    with page.expect_download() as pdf_download:
        page.get_by_role("link", name="Télécharger ses informations (PDF").click()
    with open(pdf_download.value.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    assert "Amina" in " ".join(p.extract_text() for p in reader.pages)

    with page.expect_download() as json_download:
        page.get_by_role("link", name="Télécharger ses informations (fichier JSON").click()
    assert json_download.value.suggested_filename == f"personne-{person.pk}.json"
    with open(json_download.value.path(), encoding="utf-8") as handle:
        data = json.load(handle)
    assert data["person"]["last_name"] == "Lemaire"
    assert [visit["date"] for visit in data["visits"]] == [f"{year}-03-10", f"{year}-09-10"]

    page.get_by_role("link", name="Demander l'effacement de sa fiche").click()
    page.get_by_role(
        "heading", level=1, name="Demander l'effacement de la fiche de Amina LEMAIRE"
    ).wait_for()
    assert "ses visites (2)" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("La personne a demandé l'effacement").check()
    page.get_by_role("button", name="Demander l'effacement").click()
    page.get_by_text("Demande d'effacement transmise à la coordination").wait_for()
    assert "en attente de la coordination" in page.locator("main").inner_text()
    assert_accessible(page)
    assert Person.objects.filter(pk=person.pk).exists()

    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    other = context.new_page()
    log_in(other, live_server.url, coordinator, "/structure/reglages/")
    other.get_by_role("link", name="Demandes d'effacement").click()
    other.get_by_role("heading", level=1, name="Demandes d'effacement").wait_for()
    assert "Amina LEMAIRE" in other.get_by_role("table").inner_text()
    assert_accessible(other)
    other.get_by_role("link", name="Confirmer ou refuser l'effacement de Amina LEMAIRE").click()
    other.get_by_role("heading", level=1, name="Effacer la fiche de Amina LEMAIRE ?").wait_for()
    assert_accessible(other)
    other.get_by_label("La personne a demandé l'effacement").check()
    other.get_by_role("button", name="Effacer définitivement").click()
    other.get_by_text("Fiche effacée. 2 visite(s) et 0 orientation(s) restent").wait_for()
    assert "Aucune demande en attente." in other.locator("main").inner_text()
    assert_accessible(other)
    assert not Person.objects.exists()
    assert page.goto(f"{live_server.url}{person_path}").status == 404

    other.goto(f"{live_server.url}/bilan/")
    other.get_by_role("heading", level=1, name=f"Bilan : année {year}").wait_for()
    assert "Il a reçu 3 visites" in other.locator(".results").inner_text()
    other.goto(f"{live_server.url}/accueil/conservation/")
    other.get_by_role("heading", level=1, name="Conservation des données").wait_for()
    assert_accessible(other)
    context.close()


def test_withdrawing_a_consent_and_the_retention_page_with_people_listed(
    live_server, page, clock, operator, make_member
):
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Marie-Paule")
    clock.move_to(datetime.datetime(2024, 2, 1, 10, 0, tzinfo=PARIS))
    PersonFactory(operator=operator, first_name="Ancienne", consent_recorded_by=coordinator)
    clock.move_to(datetime.datetime(2024, 6, 20, 10, 0, tzinfo=PARIS))
    PersonFactory(operator=operator, first_name="Bientôt", consent_recorded_by=coordinator)
    clock.move_to(NOW)
    person = PersonFactory(
        operator=operator,
        first_name="Amina",
        last_name="Lemaire",
        consent_purpose=ConsentPurpose.REFERRAL,
        consent_recorded_by=coordinator,
    )
    PersonConsentFactory(person=person, purpose=ConsentPurpose.FOLLOW_UP)

    log_in(page, live_server.url, coordinator, f"/accueil/personnes/{person.pk}/")
    referrals = "Suivi de ses orientations vers les partenaires"
    _through_form(
        page,
        ("Retirer un accord", "Retirer un accord de Amina LEMAIRE"),
        (referrals, "Retirer cet accord"),
        "Le retrait s'applique déjà",
    )
    assert (
        "retiré le 10/06/2026"
        in page.get_by_role("region", name="Accords de la personne").inner_text()
    )
    assert_accessible(page)
    _through_form(
        page,
        ("Donner un autre accord", "Nouvel accord de Amina LEMAIRE"),
        (referrals, "Enregistrer l'accord"),
        "Accord enregistré.",
    )

    page.goto(f"{live_server.url}/accueil/conservation/")
    page.get_by_role("heading", level=1, name="Conservation des données").wait_for()
    due = page.get_by_role("region", name="Rendues anonymes au prochain passage : 1")
    assert "Ancienne" in due.inner_text()
    soon = page.get_by_role("region", name="Rendues anonymes d'ici le 11/07/2026 : 1")
    assert "Bientôt" in soon.inner_text() and "21/06/2026" in soon.inner_text()
    assert_accessible(page)


def _through_form(page, opened: tuple[str, str], sent: tuple[str, str], done: str) -> None:
    """Follow the link to a form (link, heading), check axe, tick a choice and send it
    (label, button), then wait for the message."""
    link, heading = opened
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", level=1, name=heading).wait_for()
    assert_accessible(page)
    label, button = sent
    page.get_by_label(label).check()
    page.get_by_role("button", name=button).click()
    page.get_by_text(done).wait_for()
