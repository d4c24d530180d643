"""Writes of the operators app: a new structure, a structure's settings and its team."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import membership_detail, record
from allervers.accounts.sessions import end_all_sessions
from allervers.partners.models import Partner
from allervers.reception.services.topics import topics_seed_defaults

from .enums import Role
from .models import Membership, Operator, validate_operator_slug
from .queries import active_coordinator_count, is_member, user_by_email
from .tasks import member_welcome_email


def operator_create_check(*, name: str, slug: str, coordinator_email: str) -> Operator:
    """The new operator, not saved yet, or a ValidationError whose keys are `name`, `slug` and
    `coordinator_email` (the fields of the command and of the platform admin's form)."""
    errors: dict[str, list[str]] = {}
    name, slug, coordinator_email = name.strip(), slug.strip(), coordinator_email.strip()
    if Operator.objects.filter(name__iexact=name).exists():
        errors.setdefault("name", []).append(f"Une structure s'appelle déjà « {name} ».")
    try:
        validate_operator_slug(slug)
    except ValidationError as error:
        errors.setdefault("slug", []).extend(error.messages)
    if Operator.objects.filter(slug__iexact=slug).exists():
        errors.setdefault("slug", []).append(
            f"L'adresse /{slug}/ est déjà celle d'une autre structure : choisissez-en une autre."
        )
    try:
        validate_email(coordinator_email)
    except ValidationError:
        errors.setdefault("coordinator_email", []).append(
            f"« {coordinator_email} » n'est pas une adresse électronique valide."
        )
    operator = Operator(name=name, slug=slug)
    try:
        operator.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(
                m for m in messages if m not in errors.get(field, [])
            )
    if errors:
        raise ValidationError(errors)
    return operator


@transaction.atomic
def operator_create(
    *,
    name: str,
    slug: str,
    coordinator_email: str,
    coordinator_first_name: str = "",
    coordinator_last_name: str = "",
    created_by=None,
) -> Operator:
    """A new structure, ready to be set up: the default request themes, and its coordinator, who
    receives (after the commit) the link to choose a password — or, with an existing account,
    a note that they now have access. Bad input: a ValidationError, nothing created."""
    operator = operator_create_check(name=name, slug=slug, coordinator_email=coordinator_email)
    operator.save()
    topics_seed_defaults(operator=operator)
    membership = member_invite(
        operator=operator,
        email=coordinator_email.strip(),
        first_name=coordinator_first_name.strip(),
        last_name=coordinator_last_name.strip(),
        role=Role.COORDINATOR,
        partner=None,
        invited_by=created_by,
    )
    # The platform's action (the command or its admin): no structure member made it.
    record(
        None,
        Action.MEMBERSHIP_CREATED,
        membership,
        user=created_by,
        detail=f"{membership_detail(membership)} (création de la structure)",
    )
    return operator


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
    invited_by=None,
) -> Membership:
    """Give a person a role in the structure; a new account gets a link to choose its password
    (sent after the commit, by a task). `invited_by` is None when the platform adds the person."""
    User = get_user_model()
    user = user_by_email(email)
    created = user is None
    if created:
        user = User.objects.create_user(
            email=email, first_name=first_name, last_name=last_name
        )  # no usable password until the person chooses one
    if is_member(operator, user):
        raise ValidationError("Cette personne fait déjà partie de l'équipe.")
    membership = Membership.objects.create(operator=operator, user=user, role=role, partner=partner)
    invited_by_id = invited_by.pk if invited_by is not None else None
    transaction.on_commit(
        lambda: member_welcome_email.enqueue(membership.pk, created, invited_by_id)
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
    if (
        not is_active
        and not Membership.objects.filter(user=membership.user, is_active=True).exists()
    ):
        # Access withdrawn everywhere: the person's open sessions end now, not at their expiry.
        end_all_sessions(membership.user)
    return membership
