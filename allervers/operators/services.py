"""Writes of the operators app: a new structure, a structure's settings and its team."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal, membership_action, membership_detail, record
from allervers.accounts.second_factor import second_factor_reset
from allervers.accounts.sessions import end_all_sessions
from allervers.core.roles import Role
from allervers.partners.models import Partner

from .models import Membership, Operator, validate_operator_slug
from .queries import active_coordinator_count, belongs_elsewhere, is_member, user_by_email
from .seeding import operator_seed
from .tasks import member_account_notice, member_welcome_email

# An invitation asked for again within this delay is the same one (a double click, a second
# « Mot de passe oublié ? »): nothing more is sent, unless the last one failed.
INVITATION_RESEND_INTERVAL = datetime.timedelta(minutes=2)
NOT_AN_INVITATION = "Cette invitation n'existe pas ou a déjà reçu une réponse : rien n'a changé."
# The access log's details of an invitation's life (never a name).
INVITATION_RESENT = "invitation renvoyée"
INVITATION_ACCEPTED = "invitation acceptée"
INVITATION_DECLINED = "invitation refusée"


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
    """A new structure, ready to be set up: what the apps seed for it (`seeding.py`: the default
    request themes), and its coordinator, who receives (after the commit) the link to choose a
    password — or, with an existing account, a note that they now have access. Bad input: a
    ValidationError, nothing created."""
    operator = operator_create_check(name=name, slug=slug, coordinator_email=coordinator_email)
    operator.save()
    operator_seed(operator)
    membership = member_invite(
        operator=operator,
        email=coordinator_email.strip(),
        first_name=coordinator_first_name.strip(),
        last_name=coordinator_last_name.strip(),
        role=Role.COORDINATOR,
        partner=None,
        invited_by=created_by,
        # The platform itself names the coordinator of a new structure: no acceptance step.
        needs_acceptance=False,
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
    needs_acceptance: bool | None = None,
    request=None,
) -> Membership:
    """Give a person a role in the structure; a new account gets a link to choose its password
    (sent after the commit, by a task). An account that already exists (it belongs to another
    structure, or is platform staff) is only invited: it has no access here until its owner
    accepts, once logged in (`membership_answer`). `needs_acceptance=False` is the platform's
    own decision (a new structure's coordinator). `invited_by` is None when the platform adds
    the person. Journaled for `request`."""
    User = get_user_model()
    user = user_by_email(email)
    created = user is None
    if created:
        user = User.objects.create_user(
            email=email, first_name=first_name, last_name=last_name
        )  # no usable password until the person chooses one
    if is_member(operator, user):
        raise ValidationError("Cette personne fait déjà partie de l'équipe.")
    pending = (not created) if needs_acceptance is None else needs_acceptance
    membership = Membership.objects.create(
        operator=operator,
        user=user,
        role=role,
        partner=partner,
        is_active=not pending,
        awaiting_acceptance=pending,
    )
    _invitation_send(membership, invited_by=invited_by, new_account=created)
    journal(request, Action.MEMBERSHIP_CREATED, membership, detail=membership_detail(membership))
    return membership


def _invitation_send(membership: Membership, *, invited_by, new_account: bool) -> None:
    """Ask for the invitation e-mail: its outcome is written by the task that sends it."""
    membership.invitation_requested_at = timezone.now()
    membership.invitation_error = ""
    membership.save(update_fields=["invitation_requested_at", "invitation_error"])
    invited_by_id = invited_by.pk if invited_by is not None else None
    transaction.on_commit(
        lambda: member_welcome_email.enqueue(membership.pk, new_account, invited_by_id)
    )


def _recently_asked(membership: Membership) -> bool:
    """An invitation asked for a moment ago, and not known to have failed."""
    asked = membership.invitation_requested_at
    return (
        asked is not None
        and not membership.invitation_error
        and timezone.now() - asked < INVITATION_RESEND_INTERVAL
    )


@transaction.atomic
def invitation_resend(
    *, membership: Membership, by=None, request=None, detail: str = INVITATION_RESENT
) -> bool:
    """Send the invitation again (« Renvoyer l'invitation »): True when a new one is on its
    way, False when one was asked for a moment ago (a double click: the same invitation).
    A member who already chose a password, or whose access is withdrawn, is refused.
    A new sending is journaled for `request`, with `detail`."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership.pk)
    )
    if not membership.invitation_resendable:
        if not membership.is_active:
            raise ValidationError(
                "Cette personne n'a plus accès à la structure : rétablissez d'abord son accès."
            )
        raise ValidationError(
            "Cette personne a déjà choisi son mot de passe : elle peut se connecter, ou "
            "utiliser « Mot de passe oublié ? » sur la page de connexion."
        )
    if _recently_asked(membership):
        return False
    _invitation_send(membership, invited_by=by, new_account=False)
    journal(request, Action.MEMBERSHIP_CHANGED, membership, detail=detail)
    return True


@transaction.atomic
def invitation_renew_for(*, user) -> bool:
    """« Mot de passe oublié ? » of an invited account that never chose a password: its latest
    invitation is sent again, with a fresh link (at most once per `INVITATION_RESEND_INTERVAL`).
    The caller shows the same neutral page whatever happens."""
    if user.has_usable_password() or not user.is_active:
        return False
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(user=user, is_active=True)
        .order_by(models.F("invitation_requested_at").desc(nulls_last=True), "-pk")
        .first()
    )
    if membership is None or _recently_asked(membership):
        return False
    _invitation_send(membership, invited_by=None, new_account=False)
    return True


@transaction.atomic
def membership_answer(*, membership_id: int, user, accept: bool, request=None) -> Membership:
    """The invited person's answer. Only the person invited, and only once: anything else
    (another's invitation, an answered one, a forged id) changes nothing. Journaled for
    `request`, in the inviting structure's log."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("operator", "user", "partner")
        .filter(pk=membership_id, user=user, awaiting_acceptance=True)
        .first()
    )
    if membership is None:
        raise ValidationError(NOT_AN_INVITATION)
    membership.awaiting_acceptance = False
    membership.is_active = accept
    membership.declined_at = None if accept else timezone.now()
    membership.save(update_fields=["awaiting_acceptance", "is_active", "declined_at"])
    journal(
        request,
        Action.MEMBERSHIP_CHANGED if accept else Action.MEMBERSHIP_ENDED,
        membership,
        detail=INVITATION_ACCEPTED if accept else INVITATION_DECLINED,
    )
    return membership


def _notify_owner(membership: Membership, notice: str, by) -> None:
    by_id = by.pk if by is not None else None
    transaction.on_commit(lambda: member_account_notice.enqueue(membership.pk, notice, by_id))


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    role: Role,
    partner: Partner | None,
    is_active: bool,
    by=None,
    request=None,
) -> Membership:
    """Change a member's role or access, in this structure only; the account's owner is told
    by e-mail. A structure always keeps one active coordinator. An invitation waiting for its
    answer cannot be made active here (only its owner accepts it). Journaled for `request`."""
    action = membership_action(membership, is_active=is_active)
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership.pk)
    )
    if membership.awaiting_acceptance and is_active:
        raise ValidationError(
            "Cette personne n'a pas encore accepté l'invitation : son accès sera actif quand "
            "elle l'acceptera (le rôle de l'invitation peut changer, accès décoché)."
        )
    if membership.declined_at is not None and is_active and not membership.is_active:
        raise ValidationError(
            "Cette personne a refusé l'invitation : elle ne peut pas recevoir d'accès sans "
            "son accord."
        )
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
    notice = None
    if membership.is_active and not is_active:
        notice = "access_withdrawn"
    elif not membership.is_active and is_active:
        notice = "access_restored"
    elif is_active and role != membership.role:
        notice = "role_changed"
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
    if notice:
        _notify_owner(membership, notice, by)
    journal(request, action, membership, detail=membership_detail(membership))
    return membership


def second_factor_reset_refusal(membership: Membership) -> str:
    """Why a coordinator may not reset this member's second factor, or "" when she may: the
    account must be this structure's alone — platform staff and an account that belongs to
    another structure too are left to the platform's team."""
    user = membership.user
    if not membership.is_active:
        return (
            "Cette personne n'a pas (ou plus) accès à votre structure : sa double "
            "authentification ne peut pas être réinitialisée ici."
        )
    if user.is_staff or user.is_superuser:
        return (
            "Ce compte est aussi celui d'un membre de l'équipe de la plateforme : la "
            "réinitialisation de sa double authentification est à demander à l'équipe de la "
            "plateforme."
        )
    if belongs_elsewhere(membership):
        return (
            "Ce compte a aussi accès à une autre structure : la réinitialisation de sa double "
            "authentification est à demander à l'équipe de la plateforme."
        )
    return ""


@transaction.atomic
def member_second_factor_reset(*, membership: Membership, by=None, request=None) -> Membership:
    """A coordinator's reset of a member's second factor (a lost telephone), for an account that
    is her structure's alone (`second_factor_reset_refusal`); its owner is told by e-mail.
    Journaled for `request`."""
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user")
        .get(pk=membership.pk)
    )
    refusal = second_factor_reset_refusal(membership)
    if refusal:
        raise ValidationError(refusal)
    second_factor_reset(membership=membership)
    _notify_owner(membership, "second_factor_reset", by)
    journal(request, Action.SECOND_FACTOR_RESET, membership)
    return membership
