"""The canary: tenancy that fails closed where the role × URL sweep cannot see.

The sweep proves that another operator's object named in a URL is a 404; it cannot see a list,
an aggregate, an export or a form choice that forgets `scoped()`. Here a second operator (the
canary) holds rows of every operator-owned model, each text carrying a marker; every member of
the first operator, in each role, fetches every back-office page and download, and every public
answer of the first operator is fetched: the marker must never appear.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.core.tenancy import GUARD_ATTRIBUTE
from allervers.demo.loader import operator_delete_everything
from allervers.operators.models import Membership, Operator
from tests.operators.factories import OperatorFactory

from .canary import (
    MARKER,
    body_text,
    operator_close_last_year,
    operator_fill,
    operator_mark,
    shows_marker,
)
from .ownership import operator_owned_models, parent_mismatches
from .sweep import OBJECT_MAKERS, back_office_routes, iter_routes

pytestmark = pytest.mark.django_db

# Public answers about every operator by design (the list of operators): not the first's own.
ALL_OPERATORS_ROUTES = {"public:api:operators"}


@dataclass(frozen=True)
class World:
    first: Operator
    canary: Operator
    members: dict[Role, Membership]  # of the first operator
    canary_members: dict[Role, Membership]
    marked: dict[str, int]  # rows of the canary marked, per model


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Both operators, filled once for the module (committed, removed after)."""
    with django_db_blocker.unblock():
        first = OperatorFactory(name="CCAS du Regain", slug="ccas-du-regain")
        canary = OperatorFactory(name="CCAS du canari", slug="ccas-du-canari")
        members = operator_fill(first)
        canary_members = operator_fill(canary)
        operator_close_last_year(first, members[Role.COORDINATOR].user)
        operator_mark(canary)
        # Closed after marking, so that the stored figures hold the marked names too; marked
        # again for the closures' own texts (the reason of the reopening, the subjects' names).
        operator_close_last_year(canary, canary_members[Role.COORDINATOR].user)
        marked = operator_mark(canary)
        users = list(Membership.objects.filter(operator__in=[first, canary]).values_list("user"))
    yield World(first, canary, members, canary_members, marked)
    with django_db_blocker.unblock():
        for operator in (first, canary):
            operator_delete_everything(operator)
        get_user_model().objects.filter(pk__in=[pk for (pk,) in users]).delete()


def _wide_queries() -> dict[str, tuple[str, ...]]:
    """Query strings beyond the default, so that every dated row is within a page's period."""
    today = timezone.localdate()
    since = datetime.date(today.year - 1, 1, 1)
    # The default report is last year's (a closed year: stored figures); the dates read live.
    report = ("", f"?periode=dates&du={since}&au={today}")
    next_month = (today.replace(day=1) + datetime.timedelta(days=32)).strftime("%Y-%m")
    return {
        "reporting:dashboard": report,
        "reporting:export_pdf": report,
        "reporting:export_xlsx": report,
        "reporting:export_csv": report,
        "reception:visit_list": ("", f"?start={since}&end={today}"),
        "reception:visit_export": ("", f"?start={since}&end={today}"),
        "reception:referral_list": ("", "?statut=sent", "?statut=proposed"),
        "planning:month": ("", f"?month={next_month}", f"?month={since.year}-06"),
        "public:api:stops": ("", f"?start={since}&end={today + datetime.timedelta(days=30)}"),
    }


# Reads that go through a POST form (a name is never put in a URL): the marker as the query, in
# capitals, so that the query the page repeats is told apart from a canary's name it would show.
SEARCH = MARKER.upper()
READ_POSTS = {"reception:person_search": {"query": SEARCH}}
# Public routes with no page of their own: django-ninja's index (the API has no docs page).
NO_PAGE_ROUTES = {"public:api:api-root"}


def _fetch_all(client, routes, operator, membership) -> tuple[list, list]:
    """Fetch every route (each of its queries); return (leaks, unexpected statuses)."""
    queries = _wide_queries()
    leaks, refused = [], []
    for route in routes:
        kwargs = {name: OBJECT_MAKERS[name](operator, membership) for name in route.kwargs}
        url = reverse(route.name, kwargs=kwargs)
        responses = [client.get(url + query) for query in queries.get(route.name, ("",))]
        if route.name in READ_POSTS:
            responses.append(client.post(url, READ_POSTS[route.name]))
        for response in responses:
            served = route.name in NO_PAGE_ROUTES or response.status_code not in (403, 404)
            if not served or response.status_code >= 500:
                refused.append((route.name, response.status_code))
            if shows_marker(response, echoed=SEARCH):
                leaks.append(response.request["PATH_INFO"] + "?" + response.request["QUERY_STRING"])
    return leaks, refused


def test_the_canary_has_marked_rows_of_every_operator_owned_model(world):
    assert {model._meta.label for model in operator_owned_models()} <= set(world.marked)
    empty = sorted(label for label, count in world.marked.items() if not count)
    assert not empty, f"Give the canary rows of {empty} in tests/operators/canary.py"


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_no_back_office_answer_shows_the_canary(client, world, role):
    membership = world.members[role]
    client.force_login(membership.user)
    routes = [
        route for route in back_office_routes() if role in getattr(route.callback, GUARD_ATTRIBUTE)
    ]
    leaks, refused = _fetch_all(client, routes, world.first, membership)
    assert not refused, refused
    assert not leaks, f"Another operator's data shown to a {role.label}: {leaks}"


def _public_routes():
    return [
        route
        for route in iter_routes()
        if route.namespace.split(":")[0] == "public" and route.name not in ALL_OPERATORS_ROUTES
    ]


def test_no_public_answer_of_the_first_operator_shows_the_canary(client, world):
    routes = [route for route in _public_routes() if route.name != "public:unknown"]
    leaks, refused = _fetch_all(client, routes, world.first, None)
    assert not refused, refused
    assert not leaks, f"Another operator's data on the first operator's public answers: {leaks}"


def test_the_marker_is_read_in_every_kind_of_answer(client, world):
    """The detector itself: the canary's own pages, PDF, XLSX, CSV, ICS and JSON show it."""
    client.force_login(world.canary_members[Role.COORDINATOR].user)
    canary = Operator.objects.get(pk=world.canary.pk).slug  # marked too
    urls = {
        "page": reverse("planning:site_list"),
        "pdf": reverse("reporting:export_pdf"),
        "xlsx": reverse("reporting:export_xlsx"),
        "csv": reverse("reporting:export_csv"),
        "ics": reverse("public:feed", kwargs={"operator_slug": canary}),
        "json": reverse("public:api:sites", kwargs={"slug": canary}),
    }
    unseen = [kind for kind, url in urls.items() if not shows_marker(client.get(url))]
    search = client.post(reverse("reception:person_search"), READ_POSTS["reception:person_search"])
    if not shows_marker(search, echoed=SEARCH):
        unseen.append("search")
    assert not unseen, unseen


def test_body_text_reads_a_folded_calendar_line():
    class Folded:
        streaming = False
        content = f"SUMMARY:Permanence {MARKER[:4]}\r\n {MARKER[4:]}\r\n".encode()

        def get(self, name, default=""):
            return "text/calendar" if name == "Content-Type" else default

    assert MARKER in body_text(Folded())


def test_the_canary_and_the_first_operator_rows_have_their_parents_operator(world):
    assert parent_mismatches() == {}
