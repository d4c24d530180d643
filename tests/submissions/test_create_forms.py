"""Every form that creates something carries a one-time token; a second send creates nothing."""

import uuid

import pytest
from django.urls import resolve, reverse

from allervers.operators.models import Membership
from allervers.submissions.tokens import FIELD, is_protected
from tests.html import text_of
from tests.partners.factories import PartnerFactory

pytestmark = pytest.mark.django_db

CREATE_PAGES = [
    "reception:visit_create",
    "reception:person_create",
    "planning:stop_create",
    "planning:site_create",
    "planning:pattern_create",
    "vehicles:create",
    "partners:create",
    "operators:member_add",
]


@pytest.mark.parametrize("url_name", CREATE_PAGES)
def test_each_create_form_is_protected_and_carries_a_token(client, coordinator, url_name):
    url = reverse(url_name)
    assert is_protected(resolve(url).func)
    client.force_login(coordinator)
    assert f'name="{FIELD}"' in text_of(client.get(url))


def test_a_double_sent_member_invitation_invites_once(client, coordinator):
    client.force_login(coordinator)
    data = {
        "first_name": "Léa",
        "last_name": "Dupont",
        "email": "lea@example.org",
        "role": "agent",
        FIELD: str(uuid.uuid4()),
    }
    first = client.post(reverse("operators:member_add"), data)
    second = client.post(reverse("operators:member_add"), data)
    assert first.status_code == 302 and second.status_code == 303
    assert second["Location"] == first["Location"]
    assert Membership.objects.filter(user__email="lea@example.org").count() == 1


def test_the_partner_invitation_on_its_page_carries_a_token_and_counts_once(
    client, coordinator, operator
):
    partner = PartnerFactory(operator=operator, staff_have_logins=True)
    client.force_login(coordinator)
    page = reverse("partners:detail", kwargs={"partner_id": partner.pk})
    assert f'name="{FIELD}"' in text_of(client.get(page))
    data = {"first_name": "Inès", "last_name": "Morel", "email": "ines@example.org"}
    data[FIELD] = str(uuid.uuid4())
    invite = reverse("partners:invite", kwargs={"partner_id": partner.pk})
    client.post(invite, data)
    client.post(invite, data)
    assert Membership.objects.filter(partner=partner).count() == 1
