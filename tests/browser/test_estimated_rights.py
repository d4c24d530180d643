"""« Vos droits estimés »: an agent opens the page of a screened visit, it reads right (axe
clean), then the ASPA found is turned into a referral; the page sent by e-mail with the person's
consent opens from its link without an account, and no longer once revoked (issue 26.3)."""

import re
import urllib.parse

import pytest
from django.core import mail

from allervers.core.roles import Role
from allervers.screening import engine
from tests.browser.conftest import assert_accessible, log_in
from tests.partners.factories import PartnerFactory
from tests.reception.factories import PersonFactory, VisitFactory
from tests.screening.conftest import RSA_AND_HOUSING
from tests.screening.factories import ScreeningSetupFactory

pytestmark = pytest.mark.django_db(transaction=True)

# A 67-year-old alone without income: the ASPA only (the engine's stand-in answers it).
ASPA_ONLY = {**RSA_AND_HOUSING, "rsa": 0.0, "aide_logement": 0.0, "aspa": 1043.59}


def test_an_agent_hands_out_the_estimated_rights_then_refers_the_aspa(
    live_server, page, operator, make_member, today_stop, monkeypatch
):
    monkeypatch.setattr(engine, "simulate", lambda household, month, deadline=None: ASPA_ONLY)
    carsat = PartnerFactory(operator=operator, name="CARSAT Nord-Picardie", phone="3960")
    ScreeningSetupFactory(operator=operator, partner_aspa=carsat)
    person = PersonFactory(operator=operator, first_name="Odette", last_name="Lemaire")
    visit = VisitFactory(operator=operator, stop=today_stop, person=person)
    agent = make_member(operator, Role.AGENT, first_name="Karim")

    log_in(page, live_server.url, agent, f"/accueil/visites/{visit.pk}/")
    page.get_by_role("link", name="Repérer les droits (avec l'accord de la personne)").click()
    page.get_by_label("La personne accepte que ses réponses servent à estimer ses droits").check()
    page.get_by_label("Son âge").fill("67")
    page.get_by_role("button", name="Estimer les droits").click()
    page.get_by_role("heading", name="Page à remettre à la personne").wait_for()

    page.get_by_role("button", name="Vos droits estimés").click()
    page.get_by_role("heading", name="Vos droits estimés", level=1).wait_for()
    assert_accessible(page)
    text = page.locator("main").inner_text()
    assert "C'est une estimation, pas une décision." in text
    assert "Environ 1\u202f044 € par mois" in text or "Environ 1\xa0044 € par mois" in text
    assert "CARSAT Nord-Picardie, téléphone 3960" in text
    assert "LEMAIRE" not in text
    assert page.get_by_role("heading", name="Minimum vieillesse (ASPA)", level=2).is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Retour au repérage").click()
    page.get_by_label("Ajouter le nom (seulement si la personne le demande)").check()
    page.get_by_role("button", name="Vos droits estimés").click()
    page.get_by_text("Pour Odette LEMAIRE.").wait_for()

    page.get_by_role("link", name="Retour au repérage").click()
    aspa = page.locator("li.right", has_text="Minimum vieillesse (ASPA)")
    aspa.get_by_role("button", name="Orienter vers CARSAT Nord-Picardie").click()
    page.get_by_text("Orientation proposée vers CARSAT Nord-Picardie.").wait_for()
    assert "Orientation vers CARSAT Nord-Picardie : proposée" in aspa.inner_text()
    assert_accessible(page)
    assert visit.referrals.get().partner == carsat


def test_an_agent_sends_the_estimated_rights_by_email_and_the_link_opens_without_login(
    live_server, page, operator, make_member, today_stop, monkeypatch, browser
):
    monkeypatch.setattr(engine, "simulate", lambda household, month, deadline=None: ASPA_ONLY)
    carsat = PartnerFactory(operator=operator, name="CARSAT Nord-Picardie", phone="3960")
    ScreeningSetupFactory(operator=operator, partner_aspa=carsat)
    person = PersonFactory(operator=operator, first_name="Odette", last_name="Lemaire")
    visit = VisitFactory(operator=operator, stop=today_stop, person=person)
    agent = make_member(operator, Role.AGENT, first_name="Karim")
    mail.outbox = []

    log_in(page, live_server.url, agent, f"/accueil/visites/{visit.pk}/")
    page.get_by_role("link", name="Repérer les droits (avec l'accord de la personne)").click()
    page.get_by_label("La personne accepte que ses réponses servent à estimer ses droits").check()
    page.get_by_label("Son âge").fill("67")
    page.get_by_role("button", name="Estimer les droits").click()
    page.get_by_role(
        "link", name="Envoyer par courriel ou SMS (avec l'accord de la personne)"
    ).click()
    page.get_by_role("heading", name="Envoyer « Vos droits estimés »").wait_for()
    assert_accessible(page)

    page.get_by_role("radio", name="Courriel").check()
    page.get_by_label("Adresse électronique ou numéro de portable").fill("odette@exemple.fr")
    page.get_by_role("button", name="Envoyer le lien").click()  # consent not ticked
    page.get_by_text("Cochez que la personne accepte de recevoir cette page").wait_for()
    assert_accessible(page)
    assert mail.outbox == []
    page.get_by_label("La personne accepte de recevoir ce lien (valable 30 jours)").check()
    page.get_by_role("button", name="Envoyer le lien").click()
    page.get_by_text("« Vos droits estimés » part par courriel vers o•••@exemple.fr").wait_for()
    assert_accessible(page)
    [message] = mail.outbox
    url = re.search(r"https?://\S+/droits/\S+/", message.body).group(0)
    path = urllib.parse.urlsplit(url).path

    resident = browser.new_context(locale="fr-FR").new_page()  # no session: her own phone
    try:
        resident.goto(live_server.url + path)
        resident.get_by_role("heading", name="Vos droits estimés", level=1).wait_for()
        assert_accessible(resident)
        text = resident.locator("main").inner_text()
        assert "C'est une estimation, pas une décision." in text
        assert "CARSAT Nord-Picardie, téléphone 3960" in text
        assert "LEMAIRE" not in text
        pdf = resident.get_by_role("link", name="Télécharger la page en PDF (une page)")
        assert pdf.get_attribute("href") == path + "pdf/"

        page.get_by_role("link", name="Retirer ce lien").click()
        page.get_by_role("button", name="Retirer le lien").click()
        page.get_by_text("Le lien est retiré : il n'ouvre plus la page.").wait_for()
        resident.goto(live_server.url + path)
        resident.get_by_role("heading", name="Lien expiré").wait_for()
        assert "demandez à l'équipe du bus" in resident.locator("main").inner_text()
        assert_accessible(resident)
    finally:
        resident.context.close()
