"""Session limits (idle and absolute) and the events that end every session of a person."""

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from allervers.accounts.middleware import IDLE_MESSAGE, MAX_MESSAGE
from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.operators.services import membership_update
from tests.accounts.second_factor import log_in_with_code
from tests.html import text_of
from tests.operators.factories import MembershipFactory, OperatorFactory

pytestmark = pytest.mark.django_db

MINUTE = datetime.timedelta(minutes=1)


def logged_in(user) -> Client:
    client = Client()
    response = log_in_with_code(client, user)
    assert response.status_code == 302
    return client


def is_logged_in(client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_settings_defaults():
    assert settings.ALLERVERS_SESSION_IDLE_MINUTES == 120
    assert settings.ALLERVERS_SESSION_MAX_HOURS == 10
    assert settings.SESSION_COOKIE_AGE == 10 * 3600


def test_an_idle_session_ends_with_a_french_message(agent, clock):
    client = logged_in(agent)
    clock.shift(119 * MINUTE)
    assert is_logged_in(client)
    clock.shift(121 * MINUTE)  # two hours and one minute after the last request
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert IDLE_MESSAGE in text_of(response)
    assert "_auth_user_id" not in client.session


def test_an_active_session_still_ends_after_its_lifetime(agent, clock):
    client = logged_in(agent)
    for _ in range(9):
        clock.shift(60 * MINUTE)
        assert is_logged_in(client)
    clock.shift(61 * MINUTE)  # ten hours and one minute after the login
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))
    assert MAX_MESSAGE in text_of(response)
    assert not is_logged_in(client)


def test_expiry_ends_that_session_only(agent, clock):
    idle = logged_in(agent)
    clock.shift(100 * MINUTE)
    busy = logged_in(agent)
    clock.shift(30 * MINUTE)
    assert not is_logged_in(idle)
    assert is_logged_in(busy)


def test_logout_ends_every_session_of_the_person(agent, coordinator):
    first, second, other = logged_in(agent), logged_in(agent), logged_in(coordinator)
    assert Session.objects.count() == 3
    first.post(reverse("accounts:logout"))
    assert Session.objects.count() == 1
    assert not is_logged_in(first)
    assert not is_logged_in(second)
    assert is_logged_in(other)


def test_withdrawn_access_ends_every_session(agent, coordinator):
    client, other = logged_in(agent), logged_in(coordinator)
    membership = Membership.objects.get(user=agent)
    assert Session.objects.count() == 2
    membership_update(membership=membership, role=Role.AGENT, partner=None, is_active=False)
    assert Session.objects.count() == 1  # the coordinator's
    assert not is_logged_in(client)
    assert is_logged_in(other)


def test_access_withdrawn_in_one_structure_only_keeps_the_sessions(agent):
    MembershipFactory(user=agent, operator=OperatorFactory(), role=Role.AGENT)
    client = logged_in(agent)
    membership = Membership.objects.filter(user=agent).first()
    membership_update(membership=membership, role=Role.AGENT, partner=None, is_active=False)
    assert Session.objects.count() == 1
    assert is_logged_in(client)


def test_a_password_change_ends_the_other_sessions(agent):
    client = logged_in(agent)
    agent.set_password("Une-phrase-longue-2026")
    agent.save()
    assert not is_logged_in(client)
