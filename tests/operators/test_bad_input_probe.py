"""Every URL of the project, fed nasty query strings and form data: never a server error.

Back-office URLs are probed as a coordinator (who reaches every one of them), public URLs
anonymously. The routes come from the URL resolver (see sweep.py), so a new view is probed too.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory

from .sweep import OBJECT_MAKERS, iter_routes

# Query strings aimed at every parameter the views read (planning filters, report filters,
# lists, the publication month...) with wrong types, out-of-range values and odd characters.
NASTY_QUERIES = [
    "site=abc&partner=abc&month=2025-13&week=2025-W99&page=abc",
    "site=99999999999999999999&partner=-1&month=99999-01&week=0000-W01&page=99999999999",
    "periode=x&annee=99999&trimestre=9&mois=13&lieu=abc&partenaire=99999999999999999999",
    "periode=custom&du=2025-02-30&au=abc&statut=%00&visite=%C2%B2&start=abc&end=99999-01-01",
    "periode=month&annee=abc&mois=abc&format=zz&telecharger=1&page=-1&visite=99999999999999999999",
    "periode=dates&du=0001-01-01&au=0001-01-02&start=0001-01-01&end=0001-01-02",
    "periode=dates&du=9999-12-30&au=9999-12-31&start=9999-12-30&end=9999-12-31&mois=9999-12",
    "mois=2025-13&mois=abc&page=0&start=2025-02-30&page_size=0&status=zz&site=%FF",
]
# Form data with the names the views and forms read, every value wrong.
NASTY_POST = {
    "action": "confirm",
    "annee": "99999",
    "motif": "x" * 5000,
    "operator": "abc",
    "next": "https://evil.example/",
    "visit": "²",
    "person": "²",
    "topic": "²",
    "query": "\x00",
    "stop": "99999999999999999999",
    "arrival_time": "25:99",
    "departure_time": "abc",
    "topics": ["abc", "99999999999999999999"],
    "partners_seen": "-1",
    "partner": "99999999999999999999",
    "user": "abc",
    "vehicle": "abc",
    "site": "abc",
    "date": "2025-02-30",
    "start_time": "abc",
    "end_time": "abc",
    "seats_used": "99999999999999999999",
    "people_count": "-5",
    "status": "zz",
    "reason": "zz",
    "note": "x" * 5000,
    "referral_overdue_days": "99999999999999999999",
    "latitude": "NaN",
    "longitude": "Infinity",
    "valid_from": "99999-01-01",
    "valid_until": "abc",
    "weekday": "9",
    "consent_given_on": "abc",
}

# The same names with other wrong values (out of range the other way, another action).
OTHER_NASTY_POST = {
    "action": "topic_archive",
    "annee": "0",
    "motif": "réouverture",
    "topic": "99999999999999999999",
    "next": "abc",
    "person": "99999999999999999999",
    "visit": "-1",
    "stop": "-1",
    "date": "0001-01-01",
    "valid_from": "0001-01-01",
    "valid_until": "0001-01-02",
    "consent_given_on": "0001-01-01",
    "seats_used": "1",
    "people_count": "99999999999999999999",
}


def _public_kwargs(operator):
    site = SiteFactory(operator=operator, slug="place-du-regain")
    partner = PartnerFactory(operator=operator, slug="mission-locale")
    return {
        "operator_slug": operator.slug,
        "slug": operator.slug,
        "site_slug": site.slug,
        "partner_slug": partner.slug,
        "rest": "nulle/part/",
    }


# Arguments of Django's own views (password reset links), deliberately wrong.
AUTH_KWARGS = {"uidb64": "Pz8", "token": "zz-zz"}


ROUTES = [route for route in iter_routes() if route.namespace != "admin"]


@pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])
def test_nasty_input_never_raises_a_server_error(client, operator, coordinator, route):
    client.raise_request_exception = False
    public = route.namespace.split(":")[0] == "public"
    if public:
        values = _public_kwargs(operator)
        # A regex pattern has no converters: its named groups are the operator's slug and rest.
        names = route.kwargs or (
            ("operator_slug", "rest") if route.name == "public:unknown" else ()
        )
        url = reverse(
            route.name,
            kwargs={
                # The other public arguments (a workshop's id...): the project's makers.
                name: values[name] if name in values else OBJECT_MAKERS[name](operator, None)
                for name in names
            },
        )
    else:
        client.force_login(coordinator)
        membership = coordinator.memberships.get()
        kwargs = {
            name: AUTH_KWARGS[name]
            if name in AUTH_KWARGS
            else OBJECT_MAKERS[name](operator, membership)
            for name in route.kwargs
        }
        url = reverse(route.name, kwargs=kwargs)
    for query in NASTY_QUERIES:
        response = client.get(f"{url}?{query}")
        assert response.status_code < 500, (route.name, query, response.status_code)
    if public:
        return
    for data in (NASTY_POST, OTHER_NASTY_POST, {}):
        response = client.post(url, data)
        assert response.status_code < 500, (route.name, data, response.status_code)


@pytest.mark.parametrize(
    "name, content",
    [
        ("visites.csv", b""),
        ("visites.csv", b"\xff\xfe\x81\x8d\x8f\x90\x9d date;lieu\n"),
        ("visites.csv", b"date;heure_arrivee;lieu\n\x81\x8d;\x90;\x9d\n"),
        ("visites.csv", b"\x00\x01\x02binary"),
        ("visites.xlsx", b"PK\x03\x04 not really a zip"),
        ("visites", b"PK\x05\x06" + b"\x00" * 18),
        ("visites.csv", b'date;heure_arrivee;lieu\n"unterminated;\n'),
        ("visites.csv", b"date;heure_arrivee;lieu\n31/12/9999;25:61;=cmd\n"),
        ("visites.pdf", b"%PDF-1.4"),
    ],
)
def test_nasty_uploads_never_raise_a_server_error(client, coordinator, name, content):
    client.raise_request_exception = False
    client.force_login(coordinator)
    upload = SimpleUploadedFile(name, content)
    response = client.post(reverse("reception:visit_import"), {"file": upload})
    assert response.status_code < 500
