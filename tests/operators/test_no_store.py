"""Every back-office answer tells browsers and proxies to keep no copy (personal data)."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from allervers.core.roles import ALL_ROLES, Role
from allervers.core.tenancy import operator_view

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_guard_marks_every_answer_no_store(operator, make_member):
    @operator_view(*ALL_ROLES)
    def page(request):
        return HttpResponse("Mme Dupont")

    request = RequestFactory().get("/")
    request.user = make_member(operator, Role.AGENT)
    request.session = {}
    response = page(request)
    assert _no_store(response)
    assert "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "url_name", ["reception:today", "reception:person_search", "reception:visit_export"]
)
def test_pages_and_downloads_with_personal_data_are_no_store(client, coordinator, url_name):
    client.force_login(coordinator)
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert _no_store(response)


def test_a_public_page_stays_cacheable(client, operator):
    response = client.get(reverse("public:feed", kwargs={"operator_slug": operator.slug}))
    assert response.status_code == 200
    assert not _no_store(response)
