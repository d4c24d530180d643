"""The JSON API: filters, pagination, cache headers, French 400s, and fuzzing (no 5xx)."""

import datetime

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings

from config.wsgi import application
from tests.bookings.factories import WorkshopFactory
from tests.conftest import NOW
from tests.reception.factories import TopicFactory

API = "/api/v1"


def _on(days: int) -> datetime.date:
    """A date at collection time, relative to the tests' fixed today (the clock fixture)."""
    return NOW.date() + datetime.timedelta(days=days)


def test_operators_sites_partners(client, planning, other_operator):
    operators = client.get(f"{API}/operators").json()
    assert [op["slug"] for op in operators["results"]] == ["ccas-test", "ccas-voisin"]
    assert operators["results"][0]["public_url"] == "http://testserver/ccas-test/"
    one = client.get(f"{API}/operators/ccas-test").json()
    assert one["phone"] == "03 21 00 00 00"
    sites = client.get(f"{API}/operators/ccas-test/sites").json()
    by_slug = {site["slug"]: site for site in sites["results"]}
    assert set(by_slug) == {"ecole-jules-ferry", "place-du-regain"}
    assert by_slug["place-du-regain"]["latitude"] == 50.4589
    partners = client.get(f"{API}/operators/ccas-test/partners").json()
    assert {p["slug"] for p in partners["results"]} == {"mission-locale", "plie"}


def test_stops_default_to_the_coming_90_days_cancelled_included(client, planning):
    data = client.get(f"{API}/operators/ccas-test/stops").json()
    assert data["count"] == 4
    cancelled = [stop for stop in data["results"] if stop["status"] == "cancelled"]
    assert len(cancelled) == 1
    assert cancelled[0]["cancel_reason_label"] == "Panne du bus"
    assert cancelled[0]["status_label"] == "Annulée"
    first = data["results"][0]
    assert first["site"] == "place-du-regain"
    assert first["start_time"] == "09:00"
    assert first["partners"] == [{"slug": "mission-locale", "name": "Mission locale"}]


@pytest.mark.parametrize(
    "query, count",
    [
        ("site=ecole-jules-ferry", 2),
        ("partner=mission-locale", 2),
        ("status=cancelled", 1),
        ("status=held", 3),
        ("site=place-du-regain&status=held", 2),
        (f"start={_on(2)}&end={_on(10)}", 2),
        (f"start={_on(-401)}&end={_on(-399)}", 1),
    ],
)
def test_stop_filters(client, planning, query, count):
    data = client.get(f"{API}/operators/ccas-test/stops?{query}").json()
    assert data["count"] == count


def test_pagination(client, planning):
    page = client.get(f"{API}/operators/ccas-test/stops?page_size=3").json()
    assert (page["count"], page["pages"], len(page["results"])) == (4, 2, 3)
    second = client.get(f"{API}/operators/ccas-test/stops?page_size=3&page=2").json()
    assert len(second["results"]) == 1
    beyond = client.get(f"{API}/operators/ccas-test/stops?page=9").json()
    assert beyond["results"] == []


@pytest.mark.parametrize("path", ["operators/ccas-test/stops", "openapi.json"])
def test_etag_and_not_modified(client, planning, path):
    first = client.get(f"{API}/{path}")
    assert first["ETag"]
    assert "max-age" in first["Cache-Control"]
    assert first["Cache-Control"].startswith("public")
    again = client.get(f"{API}/{path}", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=demain", "Le paramètre « start » doit être une date au format AAAA-MM-JJ"),
        ("end=2026-02-30", "Le paramètre « end » doit être une date au format AAAA-MM-JJ"),
        ("start=2026-05-10&end=2026-05-01", "La date de fin (end) doit être après"),
        ("start=2026-01-01&end=2028-01-01", "ne peut pas dépasser 400 jours"),
        ("start=1900-01-01", "entre l'an 2000 et l'an 2100"),
        ("status=perdu", "Le paramètre « status » doit valoir l'une de ces valeurs"),
        ("page=0", "Le paramètre « page » est trop petit (au moins 1)"),
        ("page=abc", "Le paramètre « page » doit être un nombre entier"),
        ("page_size=5000", "Le paramètre « page_size » est trop grand (au plus 200)"),
        ("site=nulle-part", "Le lieu « nulle-part » n'existe pas."),
        ("partner=inconnu", "Le partenaire « inconnu » n'existe pas."),
        ("site=%00%27", "Le paramètre « site » ne doit contenir que des lettres sans accent"),
    ],
)
def test_bad_parameters_answer_400_in_french(client, planning, query, message):
    response = client.get(f"{API}/operators/ccas-test/stops?{query}")
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_unknown_operator_is_404(client, planning):
    response = client.get(f"{API}/operators/inconnu/stops")
    assert response.status_code == 404
    assert response.json()["detail"] == "Cette structure n'existe pas."


def test_the_openapi_description_is_served(client, planning):
    schema = client.get(f"{API}/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/operators",
        "/api/v1/operators/{slug}",
        "/api/v1/operators/{slug}/sites",
        "/api/v1/operators/{slug}/partners",
        "/api/v1/operators/{slug}/stops",
    } <= set(schema["paths"])


schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", application)


@pytest.fixture
def fuzz_data(planning):
    """The test data; and, like Django's test client, the database connection is not closed
    around each WSGI request (it holds the test's transaction)."""
    WorkshopFactory(
        stop=planning["stops"]["next"], topic=TopicFactory(operator=planning["operator"])
    )
    cache.clear()
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield planning
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


OPERATIONS = [result.ok() for result in schema.get_all_operations()]


# One pytest item per operation, each with its own id: schemathesis' own parametrize gives
# every operation the same node id, and pytest-xdist then runs only one of them.
@pytest.mark.parametrize(
    "operation", OPERATIONS, ids=[f"{op.method.upper()} {op.path}" for op in OPERATIONS]
)
def test_fuzzing_the_api_never_gets_a_server_error(operation, fuzz_data):
    @given(case=operation.as_strategy())
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        params = case.path_parameters or {}
        if "slug" in params and params["slug"] != "ccas-test":
            # Half of the calls on the real operator, so that its filters are reached.
            params["slug"] = "ccas-test" if len(str(case.query)) % 2 else "ccas-inconnu"
        response = case.call()
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        assert response.status_code in (200, 304, 400, 404, 405), case.as_curl_command()
        if response.status_code == 400:
            assert "detail" in response.json()

    check()


def test_every_api_operation_is_fuzzed():
    assert len(OPERATIONS) >= 5


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/openapi.json",
        f"{API}/operators",
        f"{API}/operators/ccas-test",
        f"{API}/operators/ccas-test/stops",
        f"{API}/operators/ccas-test/stops?status=perdu",
        f"{API}/operators/inconnu",
    ],
)
def test_every_api_answer_may_be_read_from_any_site(client, planning, url):
    for method in (client.get, client.head):
        response = method(url)
        assert response["Access-Control-Allow-Origin"] == "*", (method, url)
        assert "Access-Control-Allow-Credentials" not in response


@pytest.mark.parametrize(
    "url", [f"{API}/openapi.json", f"{API}/operators/ccas-test/stops", "/ccas-test/agenda.ics"]
)
def test_a_preflight_is_answered(client, planning, url):
    response = client.options(
        url,
        headers={
            "Origin": "https://www.ville.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert set(response["Access-Control-Allow-Methods"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response


def test_head_answers_like_get(client, planning):
    # Before any GET (nothing cached): ninja's operations are declared for GET only.
    response = client.head(f"{API}/operators/ccas-test/stops")
    assert response.status_code == 200
    assert response["ETag"] == client.get(f"{API}/operators/ccas-test/stops")["ETag"]


def test_writing_is_refused_in_french(client, planning):
    response = client.post(f"{API}/operators/ccas-test/stops")
    assert response.status_code == 405
    assert response.json()["detail"] == "Cette API se lit seulement : utilisez GET."
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "path, query, names",
    [
        ("operators/ccas-test/stops", "statut=held", "« statut »"),
        ("operators/ccas-test/stops", "site=place-du-regain&sites=x&zz=1", "« sites », « zz »"),
        ("operators", "start=2026-06-01", "« start »"),
        ("operators/ccas-test", "page=2", "« page »"),
    ],
)
def test_unknown_query_parameters_are_refused_by_name(client, planning, path, query, names):
    response = client.get(f"{API}/{path}?{query}")
    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == "*"
    detail = response.json()["detail"]
    assert detail.startswith("Paramètre")
    assert f"inconnu{'s' if ',' in names else ''} : {names}." in detail


def test_the_accepted_query_parameters_are_the_documented_ones(client, planning):
    schema = client.get(f"{API}/openapi.json").json()
    documented = {
        parameter["name"]
        for parameter in schema["paths"]["/api/v1/operators/{slug}/stops"]["get"]["parameters"]
        if parameter["in"] == "query"
    }
    query = "&".join(f"{name}=" for name in sorted(documented))
    response = client.get(f"{API}/operators/ccas-test/stops?{query}")
    assert "inconnu" not in response.content.decode()


def test_every_error_message_is_french(client, planning):
    response = client.get(f"{API}/operators/ccas-test/stops?status=perdu&page=x")
    detail = response.json()["detail"]
    assert "« held » ou « cancelled »" in detail
    for english in ("'held' or", " or ", "Not Found", "Method not allowed", "field required"):
        assert english not in detail


def test_the_stops_with_their_workshops_match_the_openapi_description(fuzz_data):
    operation = schema[f"{API}/operators/{{slug}}/stops"]["GET"]
    case = operation.Case(path_parameters={"slug": "ccas-test"})
    response = case.call()
    assert response.status_code == 200
    assert any(stop["workshops"] for stop in response.json()["results"])
    case.validate_response(response)
