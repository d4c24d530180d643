"""Reads of the partners app: the structure's partners and the logins of one."""

from django.db.models import Count, Q, QuerySet

from allervers.core.roles import Role
from allervers.operators.models import Membership

from .models import Partner


def partner_list(operator) -> QuerySet[Partner]:
    """The operator's partners, in service first, each with its number of active logins."""
    return (
        Partner.objects.for_operator(operator)
        .annotate(
            login_count=Count(
                "memberships",
                filter=Q(memberships__is_active=True, memberships__role=Role.PARTNER),
            )
        )
        .order_by("is_archived", "name")
    )


def partner_logins(partner: Partner) -> QuerySet[Membership]:
    """Everyone who has or had a login for this partner: active first, then by name."""
    return (
        Membership.objects.filter(operator_id=partner.operator_id, partner=partner)
        .select_related("user")
        .order_by("-is_active", "user__last_name", "user__first_name")
    )
