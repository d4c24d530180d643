"""The public view decorators, on views of their own: operator, cache, nonce, 404, ETag, CORS."""

import re
from html import unescape

import pytest
from django.http import Http404, HttpResponse
from django.urls import path

from allervers.core.revision import planning_revision_bump
from allervers.public.decorators import Page, public_data, public_page
from config.urls import urlpatterns as project_urls

calls: list[tuple] = []


@public_page
def toy_page(request, operator, thing):
    calls.append(("page", operator, thing))
    if thing == "absent":
        raise Http404("Cette chose n'existe pas.")
    # base.html carries the CSP nonce on its JSON-LD script.
    return Page("public/base.html", {"operator": operator, "events": f'["{thing}"]'})


@public_page
def toy_site_wide_page(request, operator):
    calls.append(("site-wide", operator))
    return Page("public/base.html", {"operator": operator, "events": "[]"})


@public_data
def toy_data(request, operator):
    calls.append(("data", operator))
    return HttpResponse(f"{operator.name}", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("essai/page/", toy_site_wide_page),
    path("<slug:operator_slug>/essai/<slug:thing>/", toy_page),
    path("<slug:operator_slug>/essai.txt", toy_data),
    *project_urls,  # the residents' 404 links to the public pages
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _no_calls():
    calls.clear()


def _nonce(response) -> str:
    return re.search(r'nonce="([^"]+)"', response.content.decode()).group(1)


def test_an_unknown_operator_answers_the_residents_404_without_calling_the_view(client, db):
    response = client.get("/ccas-inconnu/essai/chose/")
    assert response.status_code == 404
    assert "Nous ne connaissons pas cette adresse." in response.content.decode()
    assert calls == []


def test_the_view_receives_the_operator_and_the_other_url_arguments(client, operator):
    response = client.get("/ccas-test/essai/chose/")
    assert response.status_code == 200
    assert calls == [("page", operator, "chose")]
    assert '["chose"]' in unescape(response.content.decode())


def test_a_french_http404_of_the_view_is_the_residents_404_with_a_way_back(client, operator):
    response = client.get("/ccas-test/essai/absent/")
    assert response.status_code == 404
    html = unescape(response.content.decode())
    assert "Cette chose n'existe pas." in html
    assert 'href="/ccas-test/"' in html


def test_a_second_request_comes_from_the_cache_with_a_fresh_nonce(client, operator):
    first = client.get("/ccas-test/essai/chose/")
    second = client.get("/ccas-test/essai/chose/")
    assert len(calls) == 1
    assert first.content != second.content
    assert _nonce(first) != _nonce(second)
    assert f"'nonce-{_nonce(second)}'" in second["Content-Security-Policy"]
    assert second["Cache-Control"] == "no-cache"
    assert "ETag" not in second


def test_each_url_argument_has_its_own_copy(client, operator):
    client.get("/ccas-test/essai/chose/")
    client.get("/ccas-test/essai/autre/")
    assert [call[2] for call in calls] == ["chose", "autre"]


def test_a_planning_change_gives_a_fresh_answer(
    client, operator, django_capture_on_commit_callbacks
):
    client.get("/ccas-test/essai/chose/")
    with django_capture_on_commit_callbacks(execute=True):
        planning_revision_bump(operator.pk)
    client.get("/ccas-test/essai/chose/")
    assert len(calls) == 2


def test_a_change_of_the_operator_gives_a_fresh_answer(client, operator):
    assert client.get("/ccas-test/essai.txt").content.decode() == operator.name
    operator.name = "CCAS renommé"
    operator.save()
    assert client.get("/ccas-test/essai.txt").content.decode() == "CCAS renommé"
    assert len(calls) == 2


def test_a_site_wide_page_has_no_operator_and_is_cached(client, db):
    assert client.get("/essai/page/").status_code == 200
    assert client.get("/essai/page/").status_code == 200
    assert calls == [("site-wide", None)]


def test_data_answers_carry_an_etag_cors_and_answer_304(client, operator):
    first = client.get("/ccas-test/essai.txt")
    assert first["Access-Control-Allow-Origin"] == "*"
    assert first["ETag"]
    assert "max-age" in first["Cache-Control"]
    again = client.get("/ccas-test/essai.txt", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert len(calls) == 1


def test_public_views_are_anonymous_and_read_only(client, operator):
    assert client.get("/ccas-test/essai/chose/").status_code == 200  # no login asked
    assert client.post("/ccas-test/essai/chose/").status_code == 405
    assert client.post("/ccas-test/essai.txt").status_code == 405
    assert calls == [("page", operator, "chose")]
