"""The one tenancy-and-role mechanism of the back office.

Every back-office view is wrapped by `operator_view(...)`. It resolves the current operator from
the user's memberships (the session remembers which one when the user has several), refuses a
missing right with 403, and exposes `request.operator` and `request.membership`. Its answers
carry `Cache-Control: no-store` (they may hold personal data). Views then read
through `scoped()` / `get_scoped_or_404()`, so that an object of another operator is a 404.

The sweep test in tests/operators/test_sweep.py walks every URL pattern and fails for any view
that is not wrapped here (or explicitly listed as public).

The mechanism sits in `core`, under every app that guards a view, while the tables it reads
(`Operator`, `Membership`) are the `operators` app's: it finds `Membership` by its app label
(`apps.get_model`) when a request comes, so that `core` imports no app (docs/architecture.md,
"Layers").
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import TYPE_CHECKING

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import add_never_cache_headers

from .roles import Role

if TYPE_CHECKING:
    from allervers.operators.models import Membership, Operator

SESSION_KEY = "allervers_operator_id"
GUARD_ATTRIBUTE = "allervers_roles"


class OperatorOwnedQuerySet(models.QuerySet):
    """Base queryset of every table that carries `operator_id`."""

    def for_operator(self, operator: "Operator"):
        return self.filter(operator=operator)


def _membership_model() -> type["Membership"]:
    return apps.get_model("operators", "Membership")


def memberships_of(user) -> list["Membership"]:
    if not user.is_authenticated:
        return []
    return list(_membership_model().objects.for_user(user).order_by("operator__name"))


def _memberships_and_invitations(user) -> tuple[list["Membership"], list["Membership"]]:
    """The user's active memberships and the invitations waiting for an answer, in one query."""
    if not user.is_authenticated:
        return [], []
    rows = list(
        _membership_model()
        .objects.filter(user=user)
        .filter(Q(is_active=True) | Q(awaiting_acceptance=True))
        .select_related("operator", "partner")
        .order_by("operator__name")
    )
    return [m for m in rows if m.is_active], [m for m in rows if m.awaiting_acceptance]


def current_membership(request: HttpRequest) -> "Membership | None":
    """The membership the user acts under, cached on the request."""
    if hasattr(request, "_allervers_membership"):
        return request._allervers_membership
    memberships, invitations = _memberships_and_invitations(request.user)
    chosen = None
    wanted = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for membership in memberships:
        if membership.operator_id == wanted:
            chosen = membership
            break
    if chosen is None and memberships:
        chosen = memberships[0]
    request._allervers_membership = chosen
    request._allervers_memberships = memberships
    request._allervers_invitations = invitations
    return chosen


def operator_view(*roles: Role) -> Callable:
    """Guard a back-office view: only members of the current operator with one of `roles`."""
    allowed = frozenset(roles)
    if not allowed or not allowed <= set(Role):
        raise ValueError("operator_view needs at least one known role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            membership = current_membership(request)
            if membership is None:
                if request._allervers_invitations:
                    # Invited only: her invitations are where she can go.
                    return redirect("invitations:list")
                raise PermissionDenied("Votre compte n'est rattaché à aucune structure.")
            if membership.role not in allowed:
                raise PermissionDenied("Votre rôle ne donne pas accès à cette page.")
            request.membership = membership
            request.operator = membership.operator
            response = view(request, *args, **kwargs)
            # Back-office answers may hold personal data: no browser or proxy keeps a copy.
            add_never_cache_headers(response)
            return response

        setattr(wrapper, GUARD_ATTRIBUTE, allowed)
        return wrapper

    return decorator


def scoped(request: HttpRequest, source: type[models.Model] | models.QuerySet) -> models.QuerySet:
    """The rows of `source` that belong to the current operator."""
    queryset = source._default_manager.all() if isinstance(source, type) else source
    return queryset.filter(operator=request.operator)


def get_scoped_or_404(
    request: HttpRequest, source: type[models.Model] | models.QuerySet, **lookups
) -> models.Model:
    return get_object_or_404(scoped(request, source), **lookups)


def has_role(request: HttpRequest, roles: Iterable[Role]) -> bool:
    membership = getattr(request, "membership", None)
    return membership is not None and membership.role in set(roles)
