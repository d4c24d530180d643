"""Every URL pattern of the project, and how to fill its arguments, for the role × URL sweep.

A new back-office view lands here automatically (the sweep reads the URL resolver). If it takes
an argument that no maker below knows, the sweep fails until a maker is added: nothing escapes.
"""

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

# Views open to anyone, by URL name. Everything else must be guarded by operator_view.
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:logout",
    "accounts:password_reset",
    "accounts:password_reset_done",
    "accounts:password_reset_confirm",
    "accounts:password_reset_complete",
    # The person's own account (any role, or none): the second factor's steps and the
    # « Sécurité » page, guarded by the login and SecondFactorMiddleware (tests/accounts).
    "accounts:second_factor_verify",
    "accounts:second_factor_enrol",
    "accounts:backup_codes",
    "accounts:security",
    # The invitations waiting for the person's answer (she may belong to no structure yet):
    # only her own, by the service's filter (tests/operators/test_invitations.py).
    "invitations:list",
    "invitations:answer",
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
            yield Route(full_name, entry.callback, tuple(entry.pattern.regex.groupindex))


def back_office_routes() -> list[Route]:
    return [
        route
        for route in iter_routes()
        if route.name not in PUBLIC_URL_NAMES
        and route.namespace.split(":")[0] not in EXEMPT_NAMESPACES
    ]


# kwarg name -> maker(operator, membership) returning the value for an object that the member
# of `operator` may see. Called with another operator to build the "404" case.
# Each app of the project adds its own in tests/<app>/sweep_makers.py (a dict named MAKERS): the
# loader below walks every installed `allervers.*` app, so a new app's makers are never ignored.
PROJECT_PACKAGE = "allervers"


def project_apps() -> list[str]:
    """The installed apps of the project (`allervers.*`), by their module name."""
    return [
        config.name
        for config in apps.get_app_configs()
        if config.name.startswith(f"{PROJECT_PACKAGE}.")
    ]


def makers_module_name(app_name: str) -> str:
    return f"tests.{app_name.removeprefix(f'{PROJECT_PACKAGE}.')}.sweep_makers"


def load_makers(app_names: Iterable[str]) -> dict[str, Callable]:
    """The MAKERS of `tests/<app>/sweep_makers.py` for each app that has one.

    An app without that module is skipped; an error inside one is raised; two apps making the
    same argument is an error (one would silently replace the other).
    """
    makers: dict[str, Callable] = {}
    for app_name in app_names:
        module_name = makers_module_name(app_name)
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name not in (module_name, module_name.rpartition(".")[0]):
                raise
            continue
        twice = sorted(set(makers) & set(module.MAKERS))
        if twice:
            raise ValueError(f"{module_name} makes {twice} again: one maker per argument")
        makers.update(module.MAKERS)
    return makers


OBJECT_MAKERS: dict[str, Callable] = load_makers(project_apps())
