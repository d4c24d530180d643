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


def test_an_invited_account_accepts_and_the_coordinator_resends_an_invitation(
    live_server, page, operator, other_operator, coordinator, make_member
):
    from allervers.core.roles import Role
    from allervers.operators.models import Membership
    from allervers.operators.services import member_invite

    neighbour = make_member(other_operator, Role.COORDINATOR)
    member_invite(
        operator=operator,
        email=neighbour.email,
        first_name="",
        last_name="",
        role=Role.AGENT,
        partner=None,
        invited_by=coordinator,
    )
    fresh = member_invite(
        operator=operator,
        email="nouvelle@example.org",
        first_name="Nora",
        last_name="Bel",
        role=Role.AGENT,
        partner=None,
        invited_by=coordinator,
    )
    Membership.objects.filter(pk=fresh.pk).update(
        invitation_error="le serveur de courriel est injoignable (OSError)"
    )
    # The coordinator sees the failed invitation and sends it again.
    log_in(page, live_server.url, coordinator, next_path="/structure/equipe/")
    page.get_by_text("Invitation non envoyée").wait_for()
    assert "Invitation en attente" in page.get_by_role("table").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Modifier les droits de Nora Bel").click()
    page.get_by_role("button", name="Renvoyer l'invitation à nouvelle@example.org").click()
    page.get_by_text("L'invitation de Nora Bel est renvoyée.").wait_for()
    assert_accessible(page)
    # The invited neighbour accepts from her invitations page.
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Connexion").wait_for()
    log_in(page, live_server.url, neighbour)
    page.get_by_role("link", name="Invitations en attente (1)").click()
    page.get_by_role("heading", name="Invitations à rejoindre une structure").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Accepter l'invitation de CCAS de test").click()
    page.get_by_text("Vous faites maintenant partie de l'équipe de CCAS de test.").wait_for()
    assert Membership.objects.get(operator=operator, user=neighbour).is_active
