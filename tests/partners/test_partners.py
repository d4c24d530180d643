"""The coordinator sets up the partners: contact addresses, logins, archive; bad input changes
nothing; what shows publicly refreshes the public page at once."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.partners.models import Partner
from tests.html import text_of
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("partners:create")
LIST = reverse("partners:list")


def url(name: str, partner) -> str:
    return reverse(f"partners:{name}", kwargs={"partner_id": partner.pk})


def plie(**changes) -> dict:
    data = {
        "name": "PLIE du Béthunois",
        "network": "plie",
        "description": "Un accompagnement renforcé vers l'emploi",
        "notice_emails": "Accueil@plie.example.org\n\n  referente@plie.example.org \n",
        "phone": "03 21 00 00 00",
        "staff_have_logins": "on",
    }
    data.update(changes)
    return data


def test_a_coordinator_adds_a_partner_with_two_contact_addresses(client, coordinator, operator):
    client.force_login(coordinator)
    assert client.get(CREATE).status_code == 200
    response = client.post(CREATE, plie())
    partner = Partner.objects.get(operator=operator)
    assert response.status_code == 302 and response["Location"] == url("detail", partner)
    assert partner.notice_email_list == ["accueil@plie.example.org", "referente@plie.example.org"]
    assert partner.slug == "plie-du-bethunois" and partner.staff_have_logins
    page = text_of(client.get(LIST))
    assert "PLIE du Béthunois" in page and "referente@plie.example.org" in page
    assert "Envoyer l'invitation" in text_of(client.get(url("detail", partner)))


def test_editing_keeps_the_slug_and_changes_the_addresses(client, coordinator, operator):
    partner = PartnerFactory(operator=operator, name="Mission locale", slug="ml")
    client.force_login(coordinator)
    assert "Mission locale" in text_of(client.get(url("edit", partner)))
    response = client.post(url("edit", partner), plie(name="Mission locale", notice_emails=""))
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.slug == "ml" and partner.notice_email_list == []
    assert "Aucune" in text_of(client.get(LIST))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"notice_emails": "ok@example.org\npas-une-adresse"}, "Adresse électronique invalide"),
        ({"name": ""}, "Indiquez le nom du partenaire."),
        ({"name": "   "}, "Indiquez le nom du partenaire."),
        ({"network": "inconnu"}, "Choisissez un type de la liste."),
        ({"website": "pas un site"}, "Adresse de site invalide"),
    ],
)
def test_bad_input_is_refused_in_french_and_saves_nothing(
    client, coordinator, operator, changes, message
):
    client.force_login(coordinator)
    response = client.post(CREATE, plie(**changes))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Partner.objects.filter(operator=operator).exists()


def test_a_duplicate_name_is_refused_even_archived_or_in_another_case(
    client, coordinator, operator, other_operator
):
    PartnerFactory(operator=operator, name="PLIE du Béthunois", is_archived=True)
    other = PartnerFactory(operator=operator, name="CAF")
    client.force_login(coordinator)
    response = client.post(CREATE, plie(name="plie du béthunois"))
    assert response.status_code == 400
    assert "Un partenaire s'appelle déjà « plie du béthunois »" in text_of(response)
    response = client.post(url("edit", other), plie(name="PLIE DU BÉTHUNOIS"))
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.name == "CAF"
    assert Partner.objects.filter(operator=operator).count() == 2
    PartnerFactory(operator=other_operator, name="Cap emploi")
    assert client.post(CREATE, plie(name="Cap emploi")).status_code == 302


def test_a_partner_with_history_is_archived_then_restored_never_deleted(
    client, coordinator, operator
):
    partner = PartnerFactory(operator=operator, name="CPAM")
    presence = PartnerPresenceFactory(operator=operator, partner=partner)
    client.force_login(coordinator)
    assert client.get(url("archive", partner)).status_code == 200
    assert client.post(url("archive", partner)).status_code == 302
    partner.refresh_from_db()
    assert partner.is_archived
    assert presence.__class__.objects.filter(pk=presence.pk).exists()
    assert "Archivé" in text_of(client.get(LIST))
    # No longer offered when adding a partner to a stop or giving a partner login.
    page = text_of(client.get(reverse("operators:member_add")))
    assert "CPAM" not in page
    assert client.post(url("archive", partner)).status_code == 302
    partner.refresh_from_db()
    assert not partner.is_archived


def invite(client, partner, **changes):
    data = {"first_name": "Inès", "last_name": "Morel", "email": "Ines@PLIE.example.org"}
    return client.post(url("invite", partner), {**data, **changes})


def test_inviting_a_partner_person_gives_the_partner_role_tied_to_it(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(operator=operator, name="PLIE", staff_have_logins=True)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client, partner)
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="ines@plie.example.org")
    assert (membership.role, membership.partner, membership.operator) == (
        Role.PARTNER,
        partner,
        operator,
    )
    (message,) = mail.outbox
    assert "/compte/mot-de-passe/" in message.body
    assert "ines@plie.example.org" in text_of(client.get(url("detail", partner)))


def test_a_person_of_another_structure_may_be_invited_too(
    client, coordinator, operator, other_operator, django_capture_on_commit_callbacks
):
    elsewhere = MembershipFactory(operator=other_operator, role=Role.AGENT).user
    partner = PartnerFactory(operator=operator, staff_have_logins=True)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        assert invite(client, partner, email=elsewhere.email).status_code == 302
    assert elsewhere.memberships.count() == 2
    assert "/compte/mot-de-passe/" not in mail.outbox[0].body
    # Invited, not added: no access until she accepts; the partner's page says so.
    assert elsewhere.memberships.get(operator=operator).awaiting_acceptance
    page = text_of(client.get(url("detail", partner)))
    assert "(invitation en attente)" in page
    assert "Renvoyer l'invitation" in page


def test_the_partner_page_shows_a_failed_invitation_and_sends_it_again(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(operator=operator, staff_have_logins=True)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        invite(client, partner)
    membership = operator.memberships.get(user__email="ines@plie.example.org")
    Membership.objects.filter(pk=membership.pk).update(
        invitation_error="le serveur de courriel est injoignable (OSError)"
    )
    page = text_of(client.get(url("detail", partner)))
    assert "Invitation non envoyée : le serveur de courriel est injoignable" in page
    resend = reverse("operators:member_invitation_resend", args=[membership.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
    assert len(mail.outbox) == 2
    assert "Invitation non envoyée" not in text_of(client.get(url("detail", partner)))


@pytest.mark.parametrize(
    ("partner_fields", "changes", "message"),
    [
        ({"staff_have_logins": True}, {"email": "pas-une-adresse"}, "Adresse électronique"),
        ({"staff_have_logins": True}, {"last_name": ""}, "Ce champ est obligatoire."),
        ({"staff_have_logins": False}, {}, "n'ont pas d'accès"),
        ({"staff_have_logins": True, "is_archived": True}, {}, "Ce partenaire est archivé"),
    ],
)
def test_a_refused_invitation_creates_nobody(
    client, coordinator, operator, partner_fields, changes, message
):
    partner = PartnerFactory(operator=operator, **partner_fields)
    users = get_user_model().objects.count()
    client.force_login(coordinator)
    response = invite(client, partner, **changes)
    assert response.status_code == 400
    assert message in text_of(response)
    assert get_user_model().objects.count() == users
    assert not Membership.objects.filter(partner=partner).exists()


def test_inviting_someone_already_in_the_structure_is_refused(client, coordinator, agent, operator):
    partner = PartnerFactory(operator=operator, staff_have_logins=True)
    client.force_login(coordinator)
    response = invite(client, partner, email=agent.email)
    assert response.status_code == 400
    assert "Cette personne fait déjà partie de l'équipe." in text_of(response)


def test_the_partner_screens_are_for_the_coordinator(client, operator, make_member):
    partner = PartnerFactory(operator=operator, staff_have_logins=True)
    for role in (Role.AGENT, Role.PARTNER, Role.VIEWER):
        client.force_login(make_member(operator, role))
        assert client.get(LIST).status_code == 403
        assert client.post(url("archive", partner)).status_code == 403
        assert invite(client, partner).status_code == 403
    partner.refresh_from_db()
    assert not partner.is_archived
    assert not Membership.objects.filter(partner=partner).exists()


def test_a_partner_change_shows_on_the_public_page_at_once(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    partner = PartnerFactory(operator=operator, name="Mission locale", description="")
    before = text_of(client.get(f"/{operator.slug}/"))  # now cached
    assert "Mission locale" in before
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("edit", partner),
            plie(name="Mission locale de l'Artois", description="Pour les 16-25 ans"),
        )
    assert response.status_code == 302
    client.logout()
    after = text_of(client.get(f"/{operator.slug}/"))
    assert "Mission locale de l'Artois" in after and "Pour les 16-25 ans" in after
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("archive", partner))
    client.logout()
    assert "Mission locale de l'Artois" not in text_of(client.get(f"/{operator.slug}/"))


def test_the_list_takes_a_fixed_number_of_queries(
    client, coordinator, operator, django_assert_max_num_queries
):
    for _ in range(5):
        partner = PartnerFactory(operator=operator, staff_have_logins=True)
        MembershipFactory(operator=operator, role=Role.PARTNER, partner=partner)
    client.force_login(coordinator)
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert "1 accès" in text_of(response)
