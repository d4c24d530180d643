"""A coordinator adds people to the team, changes their role, withdraws their access."""

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.models import Membership
from tests.html import text_of
from tests.operators.factories import MembershipFactory
from tests.partners.factories import PartnerFactory

ADD = reverse("operators:member_add")


def edit_url(membership):
    return reverse("operators:member_edit", kwargs={"membership_id": membership.pk})


def test_the_team_page_lists_the_members(client, coordinator, agent):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("operators:member_list")))
    assert agent.get_full_name() in page
    assert "Coordination" in page


def test_adding_a_new_agent_creates_the_account_and_sends_a_password_link(
    client, coordinator, operator, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD,
            {
                "first_name": "Léa",
                "last_name": "Roux",
                "email": "Lea.Roux@Example.org",
                "role": "agent",
            },
        )
    assert response.status_code == 302
    user = get_user_model().objects.get(email="lea.roux@example.org")
    assert user.get_username() == "lea.roux@example.org"
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.AGENT
    (message,) = mail.outbox
    assert message.to == ["lea.roux@example.org"]
    assert operator.name in message.subject
    link = next(line for line in message.body.splitlines() if "/compte/mot-de-passe/" in line)
    client.logout()
    form_page = client.get(link.split("8000", 1)[1], follow=True)
    assert "Choisir un nouveau mot de passe" in text_of(form_page)


def test_an_existing_account_is_invited_to_another_structure_without_a_new_password(
    client, coordinator, other_operator, django_capture_on_commit_callbacks
):
    elsewhere = MembershipFactory(operator=other_operator, role=Role.AGENT).user
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            ADD,
            {"first_name": "X", "last_name": "Y", "email": elsewhere.email, "role": "viewer"},
        )
    assert elsewhere.memberships.count() == 2
    # An invitation she accepts once logged in (tests/operators/test_invitations.py).
    assert elsewhere.memberships.get(operator__slug="ccas-test").awaiting_acceptance
    assert "/compte/mot-de-passe/" not in mail.outbox[0].body


def test_a_partner_member_is_tied_to_an_organisation_of_the_structure(
    client, coordinator, operator, other_operator
):
    ours = PartnerFactory(operator=operator, name="Mission locale")
    theirs = PartnerFactory(operator=other_operator)
    client.force_login(coordinator)
    data = {"first_name": "P", "last_name": "Q", "email": "p@example.org", "role": "partner"}
    response = client.post(ADD, data)
    assert "Choisissez l'organisation de ce partenaire." in text_of(response)
    response = client.post(ADD, {**data, "partner": theirs.pk})
    assert "Choisissez une organisation de la liste." in text_of(response)
    assert not get_user_model().objects.filter(email="p@example.org").exists()
    client.post(ADD, {**data, "partner": ours.pk})
    assert Membership.objects.get(user__email="p@example.org").partner == ours


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": "pas-une-adresse"}, "Adresse électronique invalide."),
        ({"role": "superadmin"}, "Sélectionnez un choix valide"),
        ({"first_name": ""}, "Ce champ est obligatoire."),
    ],
)
def test_bad_member_input_is_refused_and_nothing_is_created(
    client, coordinator, data, message, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    users = get_user_model().objects.count()
    full = {"first_name": "A", "last_name": "B", "email": "a@example.org", "role": "agent"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ADD, {**full, **data})
    assert response.status_code == 400
    assert message in text_of(response)
    assert get_user_model().objects.count() == users
    assert mail.outbox == []


def test_adding_someone_already_in_the_team_is_refused(client, coordinator, agent):
    client.force_login(coordinator)
    response = client.post(
        ADD, {"first_name": "A", "last_name": "B", "email": agent.email, "role": "viewer"}
    )
    assert "Cette personne fait déjà partie de l'équipe." in text_of(response)


def test_withdrawing_access_keeps_the_account_and_its_history(client, coordinator, agent):
    membership = agent.memberships.get()
    client.force_login(coordinator)
    client.post(edit_url(membership), {"role": "agent"})  # is_active unchecked
    membership.refresh_from_db()
    assert membership.is_active is False
    client.force_login(agent)
    assert client.get(reverse("home")).status_code == 403


def test_the_last_coordinator_cannot_be_removed(client, coordinator):
    membership = coordinator.memberships.get()
    client.force_login(coordinator)
    response = client.post(edit_url(membership), {"role": "agent", "is_active": "on"})
    assert response.status_code == 400
    assert "au moins une personne à la coordination" in text_of(response)
    membership.refresh_from_db()
    assert membership.role == Role.COORDINATOR


def test_a_second_coordinator_can_hand_over(client, coordinator, operator, make_member):
    second = make_member(operator, Role.COORDINATOR)
    client.force_login(second)
    membership = coordinator.memberships.get()
    response = client.post(edit_url(membership), {"role": "agent", "is_active": "on"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.AGENT
