"""Writes of the operators app: a structure's settings and its team."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.partners.models import Partner

from .enums import Role
from .models import Membership, Operator
from .queries import active_coordinator_count, is_member, user_by_email
from .tasks import member_welcome_email


@transaction.atomic
def operator_update(*, operator: Operator, **fields) -> Operator:
    for name, value in fields.items():
        setattr(operator, name, value)
    operator.full_clean()
    operator.save()
    return operator


def operator_public_page_seen(*, operator: Operator) -> None:
    """Remember that the structure's public page was looked at (the first time only).

    An update, not a save: nothing public changes, so the public pages keep their cache.
    """
    Operator.objects.filter(pk=operator.pk, public_page_seen_at__isnull=True).update(
        public_page_seen_at=timezone.now()
    )


@transaction.atomic
def member_invite(
    *,
    operator: Operator,
    email: str,
    first_name: str,
    last_name: str,
    role: Role,
    partner: Partner | None,
    invited_by,
) -> Membership:
    """Give a person a role in the structure; a new account gets a link to choose its password
    (sent after the commit, by a task)."""
    User = get_user_model()
    user = user_by_email(email)
    created = user is None
    if created:
        if User.objects.filter(username__iexact=email).exists():
            raise ValidationError("Un compte utilise déjà cet identifiant.")
        user = User.objects.create_user(
            username=email, email=email, first_name=first_name, last_name=last_name
        )  # no usable password until the person chooses one
    if is_member(operator, user):
        raise ValidationError("Cette personne fait déjà partie de l'équipe.")
    membership = Membership.objects.create(operator=operator, user=user, role=role, partner=partner)
    transaction.on_commit(
        lambda: member_welcome_email.enqueue(membership.pk, created, invited_by.pk)
    )
    return membership


@transaction.atomic
def membership_update(
    *, membership: Membership, role: Role, partner: Partner | None, is_active: bool
) -> Membership:
    """Change a member's role or access. A structure always keeps one active coordinator."""
    was_active_coordinator = membership.is_active and membership.role == Role.COORDINATOR
    stays_active_coordinator = is_active and role == Role.COORDINATOR
    if was_active_coordinator and not stays_active_coordinator:
        # Lock the operator's coordinators so that two changes at once cannot both pass.
        list(
            Membership.objects.select_for_update().filter(
                operator_id=membership.operator_id, role=Role.COORDINATOR
            )
        )
        if active_coordinator_count(membership.operator) <= 1:
            raise ValidationError(
                "La structure doit garder au moins une personne à la coordination : "
                "donnez d'abord ce rôle à quelqu'un d'autre."
            )
    membership.role = role
    membership.partner = partner if role == Role.PARTNER else None
    membership.is_active = is_active
    membership.save(update_fields=["role", "partner", "is_active"])
    return membership
