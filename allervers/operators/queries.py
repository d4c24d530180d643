"""The reads of the operators app: a structure's team."""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet

from allervers.accounts.models import AuthenticatorDevice
from allervers.core.roles import Role

from .models import Membership, Operator


def team(operator: Operator) -> QuerySet[Membership]:
    """Everyone who has or had a role in the structure: active first, then by role and name;
    `has_second_factor` says whether each one set up the second factor."""
    enrolled = AuthenticatorDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return (
        Membership.objects.filter(operator=operator)
        .select_related("user", "partner")
        .annotate(has_second_factor=Exists(enrolled))
        .order_by("-is_active", "role", "user__last_name", "user__first_name")
    )


def user_by_email(email: str):
    """The account with this e-mail address (in any case), if there is one."""
    return get_user_model().objects.filter(email__iexact=email).first()


def is_member(operator: Operator, user) -> bool:
    """Whether the user has a role in the structure, active or withdrawn."""
    return Membership.objects.filter(operator=operator, user=user).exists()


def active_coordinator_count(operator: Operator) -> int:
    return Membership.objects.filter(
        operator=operator, role=Role.COORDINATOR, is_active=True
    ).count()


def belongs_elsewhere(membership: Membership) -> bool:
    """Whether the member's account has an active role in another structure too."""
    return (
        Membership.objects.filter(user_id=membership.user_id, is_active=True)
        .exclude(operator_id=membership.operator_id)
        .exists()
    )


def pending_invitations(user) -> QuerySet[Membership]:
    """The invitations waiting for `user`'s answer."""
    return (
        Membership.objects.filter(user=user, awaiting_acceptance=True)
        .select_related("operator", "partner")
        .order_by("operator__name")
    )
