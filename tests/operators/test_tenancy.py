import pytest
from django.urls import reverse

from allervers.core.roles import Role
from allervers.core.tenancy import SESSION_KEY
from tests.html import text_of
from tests.operators.factories import MembershipFactory
from tests.planning.factories import StopFactory


def test_a_user_with_two_operators_switches_between_them(client, operator, other_operator):
    membership = MembershipFactory(operator=operator, role=Role.AGENT)
    MembershipFactory(operator=other_operator, role=Role.COORDINATOR, user=membership.user)
    StopFactory(operator=other_operator, title="Passage chez le voisin")
    client.force_login(membership.user)

    page = client.get(reverse("home")).content.decode()
    assert "Changer" in page  # the switcher shows when there are several operators
    assert "Passage chez le voisin" not in page

    response = client.post(
        reverse("operators:switch"), {"operator": other_operator.pk, "next": "/"}
    )
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == other_operator.pk
    assert "Passage chez le voisin" in client.get(reverse("home")).content.decode()


def test_switching_to_an_operator_one_does_not_belong_to_changes_nothing(
    client, agent, operator, other_operator
):
    client.force_login(agent)
    response = client.post(
        reverse("operators:switch"), {"operator": other_operator.pk}, follow=True
    )
    assert "Vous n'êtes pas membre de cette structure." in text_of(response)
    assert client.session.get(SESSION_KEY) is None


@pytest.mark.parametrize("bad", ["", "abc", "999999", "1 OR 1=1"])
def test_switch_with_bad_input_is_refused_in_french(client, agent, bad):
    client.force_login(agent)
    response = client.post(reverse("operators:switch"), {"operator": bad}, follow=True)
    assert response.status_code == 200
    assert "Vous n'êtes pas membre de cette structure." in text_of(response)


def test_switch_ignores_an_external_next_url(client, agent, operator):
    client.force_login(agent)
    response = client.post(
        reverse("operators:switch"), {"operator": operator.pk, "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("bad", ["abc", "admin", "planning:month", "//evil.example/", "home"])
def test_switch_only_follows_a_path_of_the_site(client, agent, operator, bad):
    client.force_login(agent)
    response = client.post(reverse("operators:switch"), {"operator": operator.pk, "next": bad})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    response = client.post(
        reverse("operators:switch"), {"operator": operator.pk, "next": "/planning/?mois=2025-07"}
    )
    assert response["Location"] == "/planning/?mois=2025-07"


def test_switch_refuses_get(client, agent):
    client.force_login(agent)
    assert client.get(reverse("operators:switch")).status_code == 405
