"""The role × URL sweep: every back-office URL through the four cases of the tenancy rule."""

import sys
import types
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from allervers.core.roles import Role
from allervers.core.tenancy import GUARD_ATTRIBUTE

from .sweep import OBJECT_MAKERS, back_office_routes, load_makers, makers_module_name, project_apps

ROUTES = back_office_routes()
ROUTE_IDS = [route.name for route in ROUTES]


def test_the_sweep_sees_the_back_office():
    names = {route.name for route in ROUTES}
    assert {"home", "operators:switch"} <= names


def test_the_makers_come_from_every_installed_app_of_the_project():
    installed = [name for name in settings.INSTALLED_APPS if name.startswith("allervers.")]
    assert project_apps() == installed
    tests_root = Path(__file__).resolve().parent.parent
    on_disk = {path.parent.name for path in tests_root.glob("*/sweep_makers.py")}
    assert {"operators", "planning", "reception", "public"} <= on_disk
    for app in on_disk:
        assert f"allervers.{app}" in installed, f"tests/{app}/sweep_makers.py has no app"
        makers = sys.modules[makers_module_name(f"allervers.{app}")].MAKERS
        assert all(OBJECT_MAKERS[name] is maker for name, maker in makers.items()), app


def _fake_app_makers(monkeypatch, app: str, makers: dict) -> None:
    """A tests/<app>/sweep_makers.py for an app that does not exist (in sys.modules only)."""
    package = types.ModuleType(f"tests.{app}")
    package.__path__ = []
    module = types.ModuleType(f"tests.{app}.sweep_makers")
    module.MAKERS = makers
    monkeypatch.setitem(sys.modules, package.__name__, package)
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_a_new_apps_makers_are_loaded(monkeypatch):
    def maker(operator, membership):
        return 1

    _fake_app_makers(monkeypatch, "lending", {"loan_id": maker})
    makers = load_makers([*project_apps(), "allervers.lending"])
    assert makers["loan_id"] is maker
    assert makers["stop_id"] is OBJECT_MAKERS["stop_id"]


def test_an_app_without_makers_is_skipped_and_a_broken_one_raises(monkeypatch, tmp_path):
    assert load_makers(["allervers.nothing_here"]) == {}
    _fake_app_makers(monkeypatch, "twice", {"stop_id": lambda operator, membership: 1})
    with pytest.raises(ValueError, match="stop_id"):
        load_makers(["allervers.planning", "allervers.twice"])
    # A makers module that exists but imports something missing: the error is not swallowed.
    (tmp_path / "sweep_makers.py").write_text("import tests.no_such_module\n")
    broken = types.ModuleType("tests.broken")
    broken.__path__ = [str(tmp_path)]
    monkeypatch.setitem(sys.modules, "tests.broken", broken)
    monkeypatch.delitem(sys.modules, "tests.broken.sweep_makers", raising=False)
    with pytest.raises(ModuleNotFoundError, match="no_such_module"):
        load_makers(["allervers.broken"])


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_every_back_office_view_is_guarded(route):
    assert getattr(route.callback, GUARD_ATTRIBUTE, None), (
        f"{route.name} is not wrapped by operator_view(): every back-office view must be."
    )
    missing = [name for name in route.kwargs if name not in OBJECT_MAKERS]
    assert not missing, f"Add a maker for {missing} in tests/<app>/sweep_makers.py"


def _url(route, operator, membership):
    kwargs = {name: OBJECT_MAKERS[name](operator, membership) for name in route.kwargs}
    return reverse(route.name, kwargs=kwargs)


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_anonymous_is_sent_to_login(client, operator, route):
    response = client.get(_url(route, operator, None))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_missing_right_is_403(client, operator, make_member, django_user_model, route):
    allowed = getattr(route.callback, GUARD_ATTRIBUTE)
    refused_roles = [role for role in Role if role not in allowed]
    for role in refused_roles:
        user = make_member(operator, role)
        client.force_login(user)
        response = client.get(_url(route, operator, user.memberships.get()))
        assert response.status_code == 403, (route.name, role)
        assert "Accès refusé" in response.content.decode()
    # A logged-in user who belongs to no operator has no right anywhere in the back office.
    outsider = django_user_model.objects.create_user("sans-structure@example.org", password="x")
    client.force_login(outsider)
    assert client.get(_url(route, operator, None)).status_code == 403


def assert_plain_title(response, name: str) -> None:
    """An HTML page's <title> is text: no markup slipped into the template's title block."""
    if not response.get("Content-Type", "").startswith("text/html"):
        return
    page = response.content.decode()
    if "<title>" in page:
        title = page.split("<title>", 1)[1].split("</title>", 1)[0]
        assert "<" not in title, (name, title[:80])


@pytest.mark.parametrize("route", ROUTES, ids=ROUTE_IDS)
def test_other_operators_object_is_404_and_own_is_served(
    client, operator, other_operator, make_member, route
):
    for role in getattr(route.callback, GUARD_ATTRIBUTE):
        user = make_member(operator, role)
        membership = user.memberships.get()
        client.force_login(user)
        own = client.get(_url(route, operator, membership))
        assert own.status_code not in (403, 404), (route.name, role, own.status_code)
        assert own.status_code < 500
        assert_plain_title(own, route.name)
        if route.kwargs:
            foreign = client.get(_url(route, other_operator, membership))
            assert foreign.status_code == 404, (route.name, role)


def test_admin_is_for_platform_staff_only(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/admin-plateforme/")
    assert response.status_code == 302
    assert "/admin-plateforme/login/" in response["Location"]


def test_platform_staff_create_an_operator_and_its_coordinator_in_the_admin(
    client, django_user_model
):
    staff = django_user_model.objects.create_superuser("p@example.org", "x")
    future = django_user_model.objects.create_user("future-coordination@example.org", password="x")
    client.force_login(staff)
    assert client.get("/admin-plateforme/operators/operator/add/").status_code == 200
    response = client.post(
        "/admin-plateforme/operators/operator/add/",
        {
            "name": "CCAS de Nulle-Part",
            "slug": "ccas-nulle-part",
            "coordinator_email": "future-coordination@example.org",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = future.memberships.get()
    assert (membership.operator.slug, membership.role) == ("ccas-nulle-part", "coordinator")
