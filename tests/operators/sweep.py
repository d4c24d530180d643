"""Every URL pattern of the project, and how to fill its arguments, for the role × URL sweep.

A new back-office view lands here automatically (the sweep reads the URL resolver). If it takes
an argument that no maker below knows, the sweep fails until a maker is added: nothing escapes.
"""

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver

from tests.operators.factories import MembershipFactory
from tests.planning.factories import SiteFactory, StopFactory

# Views open to anyone, by URL name. Everything else must be guarded by operator_view.
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
}
# Whole namespaces that are not the back office: Django's admin (platform staff only, guarded by
# Django's own is_staff check, tested separately) and, later, the public site.
EXEMPT_NAMESPACES = {"admin", "public"}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"
    callback: Callable
    kwargs: tuple[str, ...]

    @property
    def namespace(self) -> str:
        return self.name.split(":")[0] if ":" in self.name else ""


def iter_routes(resolver: URLResolver | None = None, namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            child_namespace = entry.namespace or namespace
            if namespace and entry.namespace:
                child_namespace = f"{namespace}:{entry.namespace}"
            yield from iter_routes(entry, child_namespace)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                continue
            full_name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(full_name, entry.callback, tuple(entry.pattern.converters))


def back_office_routes() -> list[Route]:
    return [
        route
        for route in iter_routes()
        if route.name not in PUBLIC_URL_NAMES
        and route.namespace.split(":")[0] not in EXEMPT_NAMESPACES
    ]


# kwarg name -> maker(operator, membership) returning the value for an object that the member
# of `operator` may see. Called with another operator to build the "404" case.
# Each app adds its own in tests/<app>/sweep_makers.py (a dict named MAKERS).
OBJECT_MAKERS: dict[str, Callable] = {
    "stop_id": lambda operator, membership: StopFactory(operator=operator).pk,
    "site_id": lambda operator, membership: SiteFactory(operator=operator).pk,
    "membership_id": lambda operator, membership: MembershipFactory(operator=operator).pk,
}
for _app in ("planning", "reception", "reporting"):
    try:
        _module = importlib.import_module(f"tests.{_app}.sweep_makers")
    except ModuleNotFoundError as error:
        if error.name not in (f"tests.{_app}", f"tests.{_app}.sweep_makers"):
            raise
        continue
    OBJECT_MAKERS.update(_module.MAKERS)
