"""Non-recours: an agent screens a person's rights during a visit, sees the RSA flagged and
refers them in one tap; the partner marks the right opened; the dashboard counts it."""

import pytest

from allervers.core.roles import Role
from allervers.screening import engine
from tests.browser.conftest import assert_accessible, log_in
from tests.partners.factories import PartnerFactory
from tests.reception.factories import VisitFactory
from tests.screening.conftest import RSA_AND_HOUSING
from tests.screening.factories import ScreeningSetupFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_right_found_during_a_visit_is_referred_opened_and_counted(
    live_server, browser, page, operator, make_member, today_stop, monkeypatch
):
    # The rules engine answers at once (test_rules.py checks the real computation).
    monkeypatch.setattr(
        engine, "simulate", lambda household, month, deadline=None: dict(RSA_AND_HOUSING)
    )
    caf = PartnerFactory(operator=operator, name="CAF du Pas-de-Calais")
    ScreeningSetupFactory(operator=operator, partner_rsa=caf, partner_housing=caf)
    visit = VisitFactory(operator=operator, stop=today_stop)
    agent = make_member(operator, Role.AGENT, first_name="Karim")
    partner_user = make_member(operator, Role.PARTNER, partner=caf, first_name="Inès")
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Claire")

    log_in(page, live_server.url, agent, f"/accueil/visites/{visit.pk}/")
    page.get_by_role("link", name="Repérer les droits (avec l'accord de la personne)").click()
    page.get_by_role("heading", name="Repérer les droits de la personne").wait_for()
    assert_accessible(page)
    assert page.get_by_label("Commune du logement (code INSEE)").input_value() == "62083"
    page.get_by_label("La personne accepte que ses réponses servent à estimer ses droits").check()
    page.get_by_label("Son âge").fill("41")
    page.get_by_role("button", name="Estimer les droits").click()
    page.get_by_role("heading", name="Droits repérés pour juin 2026").wait_for()
    assert_accessible(page)
    assert page.get_by_text("Ceci est une estimation, pas une décision.").is_visible()
    rsa = page.locator("li.right", has_text="RSA")
    assert "Probablement non perçu" in rsa.inner_text()
    rsa.get_by_role("button", name="Orienter vers CAF du Pas-de-Calais").click()
    page.get_by_text("Orientation proposée vers CAF du Pas-de-Calais.").wait_for()
    assert "Orientation vers CAF du Pas-de-Calais : proposée" in rsa.inner_text()

    partner_page = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    referral = visit.referrals.get()
    log_in(partner_page, live_server.url, partner_user, f"/accueil/orientations/{referral.pk}/")
    partner_page.get_by_role("heading", name="Droit repéré").wait_for()
    assert_accessible(partner_page)
    assert "573" not in partner_page.content()
    partner_page.get_by_role("link", name="Indiquer l'issue").click()
    partner_page.get_by_role("heading", name="Issue de la demande : RSA").wait_for()
    assert_accessible(partner_page)
    partner_page.get_by_label("Droit ouvert").check()
    partner_page.get_by_role("button", name="Enregistrer l'issue").click()
    partner_page.get_by_text("Issue enregistrée : Droit ouvert.").wait_for()
    assert_accessible(partner_page)
    partner_page.context.close()

    page.context.clear_cookies()
    log_in(page, live_server.url, coordinator, "/bilan/")
    page.get_by_role("button", name="Afficher le bilan").wait_for()
    page.goto(f"{live_server.url}/bilan/?periode=annee&annee=2026")
    section = page.get_by_role("region", name="Repérage des droits (non-recours)")
    section.wait_for()
    assert_accessible(page)
    cells = section.get_by_role("row", name="RSA").get_by_role("cell").all_inner_texts()
    # found, amount found, referred, opened, amount opened, refused, dropped: the answers were
    # emptied when the referral closed, so the right counts for its band (300-599 €: 450 €).
    assert cells == ["1", "450\u00a0€", "1", "1", "450\u00a0€", "0", "0"]
