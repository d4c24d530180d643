"""Invitations that can be recovered (issue 22) and accounts that belong to one structure unless
they accept another (issue 23): « Renvoyer l'invitation », « Mot de passe oublié ? » of an
invited account, the pending invitation of an existing account, and the cross-structure
second-factor reset, step by step."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accounts.models import AuthenticatorDevice
from allervers.core.roles import Role
from allervers.core.tenancy import SESSION_KEY
from allervers.operators.models import Membership
from allervers.operators.services import (
    INVITATION_RESEND_INTERVAL,
    member_invite,
    membership_update,
)
from tests.accounts.second_factor import enrol
from tests.html import text_of

pytestmark = pytest.mark.django_db

ADD = reverse("operators:member_add")
TEAM = reverse("operators:member_list")
INVITATIONS = reverse("invitations:list")
FORGOT = reverse("accounts:password_reset")


def edit_url(membership):
    return reverse("operators:member_edit", args=[membership.pk])


def resend_url(membership):
    return reverse("operators:member_invitation_resend", args=[membership.pk])


def reset_url(membership):
    return reverse("operators:member_second_factor_reset", args=[membership.pk])


def answer_url(membership):
    return reverse("invitations:answer", args=[membership.pk])


def password_links(messages) -> list[str]:
    return [
        line
        for message in messages
        for line in message.body.splitlines()
        if "/compte/mot-de-passe/nouveau/" in line
    ]


@pytest.fixture
def invited(operator, coordinator, django_capture_on_commit_callbacks):
    """A new account invited by the coordinator (no password yet), its e-mail sent."""
    with django_capture_on_commit_callbacks(execute=True):
        membership = member_invite(
            operator=operator,
            email="nina@example.org",
            first_name="Nina",
            last_name="Roux",
            role=Role.AGENT,
            partner=None,
            invited_by=coordinator,
        )
    mail.outbox.clear()
    membership.refresh_from_db()
    return membership


# Renvoyer l'invitation ----------------------------------------------------------------------------


def test_the_member_page_shows_an_invited_account_and_when_its_link_expires(
    client, coordinator, invited
):
    client.force_login(coordinator)
    page = text_of(client.get(edit_url(invited)))
    assert "Invité, mot de passe pas encore choisi" in page
    assert "son lien expire le 13 juin 2026 à 10:00" in page  # sent at NOW, valid 3 days
    assert "Renvoyer l'invitation" in page
    assert "Invité, mot de passe pas encore choisi" in text_of(client.get(TEAM))


def test_an_expired_link_is_said_and_the_invitation_is_sent_again_once_per_double_click(
    client, clock, coordinator, invited, django_capture_on_commit_callbacks
):
    clock.move_to(datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=4))
    client.force_login(coordinator)
    assert "Le lien de l'invitation a expiré le 13 juin 2026" in text_of(
        client.get(edit_url(invited))
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(resend_url(invited), follow=True)
        second = client.post(resend_url(invited), follow=True)  # a double click
    assert "L'invitation de Nina Roux est renvoyée." in text_of(first)
    assert "vient déjà d'être renvoyée" in text_of(second)
    (link,) = password_links(mail.outbox)
    entries = AccessLogEntry.objects.filter(action=Action.MEMBERSHIP_CHANGED)
    assert [(e.detail, e.target_id, e.user) for e in entries] == [
        ("invitation renvoyée", invited.pk, coordinator)
    ]
    # The fresh link works: the person chooses her password.
    client.logout()
    page = client.get(link.split("8000", 1)[1], follow=True)
    assert "Choisir un nouveau mot de passe" in text_of(page)
    # Later, a new resend is allowed again.
    clock.move_to(datetime.datetime.now(datetime.UTC) + INVITATION_RESEND_INTERVAL)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend_url(invited))
    assert len(mail.outbox) == 2


def test_a_member_who_chose_a_password_gets_no_invitation(client, coordinator, agent):
    membership = agent.memberships.get()
    client.force_login(coordinator)
    assert "Renvoyer l'invitation" not in text_of(client.get(edit_url(membership)))
    response = client.post(resend_url(membership), follow=True)
    assert "a déjà choisi son mot de passe" in text_of(response)
    assert mail.outbox == []
    assert not AccessLogEntry.objects.filter(action=Action.MEMBERSHIP_CHANGED).exists()
    assert client.get(resend_url(membership)).status_code == 405


def test_a_withdrawn_invitation_is_not_sent_again(client, coordinator, invited):
    Membership.objects.filter(pk=invited.pk).update(is_active=False)
    client.force_login(coordinator)
    response = client.post(resend_url(invited), follow=True)
    assert "n'a plus accès à la structure" in text_of(response)
    assert mail.outbox == []


def test_the_platform_admin_shows_a_failed_invitation_and_sends_it_again(
    client, invited, django_capture_on_commit_callbacks
):
    Membership.objects.filter(pk=invited.pk).update(
        invitation_error="le serveur de courriel est injoignable (OSError)"
    )
    staff = get_user_model().objects.create_superuser(email="plateforme@example.org", password="x")
    client.force_login(staff)
    changelist = reverse("admin:operators_membership_changelist")
    assert "invitation non envoyée : le serveur de courriel est injoignable" in text_of(
        client.get(changelist)
    )
    operator_page = reverse("admin:operators_operator_change", args=[invited.operator_id])
    assert "invitation non envoyée" in text_of(client.get(operator_page))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "invitation_resend_action", "_selected_action": [invited.pk]},
            follow=True,
        )
    assert "Invitations renvoyées : 1." in text_of(response)
    assert len(password_links(mail.outbox)) == 1
    invited.refresh_from_db()
    assert invited.invitation_error == "" and invited.invitation_sent_at is not None
    entry = AccessLogEntry.objects.get(action=Action.MEMBERSHIP_CHANGED)
    assert (entry.operator_id, entry.user) == (invited.operator_id, staff)


# Mot de passe oublié ? ----------------------------------------------------------------------------


def _forgot(client, email):
    return client.post(FORGOT, {"email": email})


def test_an_invited_account_gets_a_fresh_invitation_from_forgotten_password(
    client, clock, invited, django_capture_on_commit_callbacks
):
    clock.move_to(datetime.datetime.now(datetime.UTC) + INVITATION_RESEND_INTERVAL)
    with django_capture_on_commit_callbacks(execute=True):
        invited_answer = _forgot(client, "Nina@Example.org")
    (message,) = mail.outbox
    assert message.to == ["nina@example.org"]
    assert "CCAS de test" in message.subject
    assert len(password_links([message])) == 1
    # The same answer as for an address without an account: nothing tells them apart.
    with django_capture_on_commit_callbacks(execute=True):
        unknown_answer = _forgot(client, "personne@example.org")
    assert len(mail.outbox) == 1
    assert invited_answer.status_code == unknown_answer.status_code == 302
    assert invited_answer["Location"] == unknown_answer["Location"]
    # Asked again at once: no second message (a storm of requests sends one).
    with django_capture_on_commit_callbacks(execute=True):
        _forgot(client, "nina@example.org")
    assert len(mail.outbox) == 1


def test_an_account_with_a_password_gets_the_usual_reset_link(
    client, agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _forgot(client, agent.email)
    (message,) = mail.outbox
    assert "/compte/mot-de-passe/nouveau/" in message.body
    assert agent.memberships.get().invitation_requested_at is None  # not an invitation


# An existing account is invited, not added (issue 23) ---------------------------------------------


@pytest.fixture
def neighbour(other_operator, make_member):
    """The coordinator of another structure, with her second factor."""
    user = make_member(other_operator, Role.COORDINATOR)
    enrol(user)
    return user


def _add(client, coordinator, email, django_capture_on_commit_callbacks, role="agent"):
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD, {"first_name": "X", "last_name": "Y", "email": email, "role": role}
        )
    return response


def test_adding_another_structures_account_sends_an_invitation_and_gives_no_access(
    client, operator, coordinator, neighbour, django_capture_on_commit_callbacks
):
    # Step 1: A's coordinator adds B's coordinator to A's team.
    response = _add(
        client, coordinator, neighbour.email.upper(), django_capture_on_commit_callbacks
    )
    assert response.status_code == 302
    membership = Membership.objects.get(operator=operator, user=neighbour)
    assert membership.awaiting_acceptance and not membership.is_active
    assert "Invitation en attente" in text_of(client.get(TEAM))
    (message,) = mail.outbox
    assert "invitation à rejoindre" in message.subject
    assert "/compte/invitations/" in message.body
    assert "/compte/mot-de-passe/" not in message.body
    # She has no access to A until she accepts: A is not among the structures she may switch to.
    client.force_login(neighbour)
    client.post(reverse("operators:switch"), {"operator": operator.pk})
    assert client.session.get(SESSION_KEY) != operator.pk
    assert "Invitations en attente (1)" in text_of(client.get(reverse("home")))


def test_a_coordinator_cannot_turn_an_invitation_into_access(
    client, operator, coordinator, neighbour, django_capture_on_commit_callbacks
):
    _add(client, coordinator, neighbour.email, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(operator=operator, user=neighbour)
    response = client.post(edit_url(membership), {"role": "coordinator", "is_active": "on"})
    assert response.status_code == 400
    assert "n'a pas encore accepté l'invitation" in text_of(response)
    membership.refresh_from_db()
    assert membership.awaiting_acceptance and not membership.is_active
    assert membership.role == Role.AGENT


def test_the_cross_structure_reset_fails_at_every_step(
    client, operator, coordinator, neighbour, django_capture_on_commit_callbacks
):
    """Issue 23's attack: A's coordinator adds B's coordinator, then resets her second factor."""
    _add(client, coordinator, neighbour.email, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(operator=operator, user=neighbour)
    mail.outbox.clear()
    # Step 2, before any answer: the reset is refused (no access here), the device stays.
    page = text_of(client.get(reset_url(membership)))
    assert "ne peut pas être réinitialisée ici" in page and ">Réinitialiser</button>" not in page
    response = client.post(reset_url(membership))
    assert response.status_code == 400
    assert AuthenticatorDevice.objects.filter(user=neighbour).exists()
    # Step 3, even once she accepted: her account belongs to B too, the reset is B's platform's.
    client.force_login(neighbour)
    client.post(answer_url(membership), {"answer": "accepter"})
    client.force_login(coordinator)
    response = client.post(reset_url(membership))
    assert response.status_code == 400
    assert "à demander à l'équipe de la plateforme" in text_of(response)
    assert AuthenticatorDevice.objects.filter(user=neighbour).exists()
    assert mail.outbox == []  # nothing happened, nothing to tell
    refused = AccessLogEntry.objects.filter(action=Action.SECOND_FACTOR_RESET)
    assert [e.detail.startswith("refusée") for e in refused] == [True, True]
    assert "à demander à l'équipe de la plateforme" in text_of(client.get(edit_url(membership)))


def test_platform_staff_are_invited_and_their_second_factor_is_the_platforms(
    client, operator, coordinator, django_capture_on_commit_callbacks
):
    staff = get_user_model().objects.create_superuser(email="admin@example.org", password="x")
    enrol(staff)
    _add(client, coordinator, staff.email, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(operator=operator, user=staff)
    assert membership.awaiting_acceptance and not membership.is_active
    client.force_login(staff)
    client.post(answer_url(membership), {"answer": "accepter"})
    client.force_login(coordinator)
    response = client.post(reset_url(membership))
    assert response.status_code == 400
    assert "équipe de la plateforme" in text_of(response)
    assert AuthenticatorDevice.objects.filter(user=staff).exists()


def test_the_invited_person_accepts_from_her_invitations_page(
    client, operator, coordinator, neighbour, django_capture_on_commit_callbacks
):
    _add(client, coordinator, neighbour.email, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(operator=operator, user=neighbour)
    client.force_login(neighbour)
    page = text_of(client.get(INVITATIONS))
    assert "CCAS de test" in page and "Rôle proposé : Agent" in page
    response = client.post(answer_url(membership), {"answer": "accepter"}, follow=True)
    assert "Vous faites maintenant partie de l'équipe de CCAS de test." in text_of(response)
    membership.refresh_from_db()
    assert membership.is_active and not membership.awaiting_acceptance
    assert client.session[SESSION_KEY] == operator.pk
    entry = AccessLogEntry.objects.get(detail="invitation acceptée")
    assert (entry.operator, entry.user, entry.target_id) == (operator, neighbour, membership.pk)
    # Replayed: a French message, nothing changed.
    replay = client.post(answer_url(membership), {"answer": "refuser"})
    assert replay.status_code == 400
    assert "a déjà reçu une réponse" in text_of(replay)
    membership.refresh_from_db()
    assert membership.is_active


def test_a_declined_invitation_gives_no_access_and_cannot_be_forced(
    client, operator, coordinator, neighbour, django_capture_on_commit_callbacks
):
    _add(client, coordinator, neighbour.email, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(operator=operator, user=neighbour)
    client.force_login(neighbour)
    client.post(answer_url(membership), {"answer": "refuser"})
    membership.refresh_from_db()
    assert not membership.is_active and membership.declined_at is not None
    assert AccessLogEntry.objects.get(detail="invitation refusée").action == Action.MEMBERSHIP_ENDED
    client.force_login(coordinator)
    assert "Invitation refusée" in text_of(client.get(TEAM))
    response = client.post(edit_url(membership), {"role": "agent", "is_active": "on"})
    assert response.status_code == 400
    assert "a refusé l'invitation" in text_of(response)
    membership.refresh_from_db()
    assert not membership.is_active


@pytest.mark.parametrize("answer", ["accepter", "refuser"])
def test_nobody_answers_anothers_invitation(
    client, operator, coordinator, neighbour, agent, answer, django_capture_on_commit_callbacks
):
    _add(client, coordinator, neighbour.email, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(operator=operator, user=neighbour)
    for someone in (coordinator, agent):
        client.force_login(someone)
        response = client.post(answer_url(membership), {"answer": answer})
        assert response.status_code == 400
        assert "Cette invitation n'existe pas ou a déjà reçu une réponse" in text_of(response)
    client.force_login(neighbour)
    for bad in ({"answer": "peut-être"}, {}):
        response = client.post(answer_url(membership), bad)
        assert response.status_code == 400
        assert "Choisissez d'accepter ou de refuser" in text_of(response)
    assert (
        client.post(reverse("invitations:answer", args=[999999]), {"answer": answer}).status_code
        == 400
    )
    membership.refresh_from_db()
    assert membership.awaiting_acceptance and not membership.is_active
    assert not AccessLogEntry.objects.filter(detail__startswith="invitation ").exists()


def test_someone_who_is_only_invited_lands_on_her_invitations(
    client, operator, coordinator, django_capture_on_commit_callbacks
):
    lone = get_user_model().objects.create_user(email="seule@example.org", password="x")
    _add(client, coordinator, lone.email, django_capture_on_commit_callbacks, role="viewer")
    client.force_login(lone)
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == INVITATIONS


def test_the_owner_is_told_of_every_change_to_her_account(
    client, operator, coordinator, agent, django_capture_on_commit_callbacks
):
    membership = agent.memberships.get()
    enrol(agent)
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(edit_url(membership), {"role": "viewer", "is_active": "on"})
        client.post(edit_url(membership), {"role": "viewer"})
        client.post(edit_url(membership), {"role": "viewer", "is_active": "on"})
        client.post(reset_url(membership))
    assert [m.to for m in mail.outbox] == [[agent.email]] * 4
    bodies = [m.body for m in mail.outbox]
    assert "votre rôle a changé : Financeur" in bodies[0]
    assert "votre accès a été retiré" in bodies[1]
    assert "votre accès a été rétabli" in bodies[2]
    assert "double authentification a été réinitialisée" in bodies[3]
    assert not AuthenticatorDevice.objects.filter(user=agent).exists()  # hers alone: reset allowed


def test_platform_staff_may_give_access_to_an_invitation_in_the_admin(
    client, operator, coordinator, neighbour, django_capture_on_commit_callbacks
):
    _add(client, coordinator, neighbour.email, django_capture_on_commit_callbacks)
    pending = Membership.objects.get(operator=operator, user=neighbour)
    ours = coordinator.memberships.get()
    staff = get_user_model().objects.create_superuser(email="plateforme@example.org", password="x")
    client.force_login(staff)
    rows = {"0": (ours, True), "1": (pending, True)}
    data = {
        "name": operator.name,
        "slug": operator.slug,
        "phone": operator.phone,
        "time_zone": operator.time_zone,
        "school_zone": operator.school_zone,
        "referral_overdue_days": operator.referral_overdue_days,
        "reminder_time": "17:00",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "2",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, (membership, active) in rows.items():
        data |= {
            f"memberships-{index}-id": membership.pk,
            f"memberships-{index}-operator": operator.pk,
            f"memberships-{index}-user": membership.user_id,
            f"memberships-{index}-role": membership.role,
            f"memberships-{index}-is_active": "on" if active else "",
        }
    response = client.post(reverse("admin:operators_operator_change", args=[operator.pk]), data)
    assert response.status_code == 302, text_of(response)
    pending.refresh_from_db()
    assert pending.is_active and not pending.awaiting_acceptance


def test_the_team_page_reads_the_invitations_in_a_bounded_number_of_queries(
    client, operator, coordinator, make_member
):

    client.force_login(coordinator)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(TEAM).status_code == 200
        return len(queries)

    make_member(operator, Role.AGENT)
    few = count()
    for index in range(10):
        member_invite(
            operator=operator,
            email=f"invite{index}@example.org",
            first_name="I",
            last_name=str(index),
            role=Role.AGENT,
            partner=None,
        )
    assert count() == few


def test_the_teams_e_mails_are_plain_text_and_greet_without_a_stray_space(
    operator, coordinator, django_capture_on_commit_callbacks
):
    """An e-mail is not HTML: a structure's apostrophe or ampersand is written as such, and an
    account without a first name is greeted « Bonjour, »."""
    operator.name = "CCAS d'Avion & environs"
    operator.save(update_fields=["name"])
    with django_capture_on_commit_callbacks(execute=True):
        membership = member_invite(
            operator=operator,
            email="sans.prenom@example.org",
            first_name="",
            last_name="",
            role=Role.AGENT,
            partner=None,
            invited_by=coordinator,
        )
    with django_capture_on_commit_callbacks(execute=True):
        membership_update(
            membership=membership, role=Role.VIEWER, partner=None, is_active=True, by=coordinator
        )
    invitation, notice = mail.outbox
    for message in (invitation, notice):
        assert "CCAS d'Avion & environs" in message.subject + message.body
        assert "&#x27;" not in message.subject + message.body
        assert "&amp;" not in message.subject + message.body
        assert message.body.startswith("Bonjour,\n")
