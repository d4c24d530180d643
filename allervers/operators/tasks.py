"""Background work of the operators app: the e-mails of a team member's account — the
invitation (with the link to choose a password while the account has none), and the notice
of what a coordinator changed on it."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from allervers.core.french import greeting
from allervers.core.mail import send_failure_reason

from .models import Membership

logger = logging.getLogger(__name__)

# What a coordinator did to an account, told to its owner (`member_account_notice`).
ACCOUNT_NOTICES = {
    "role_changed": "votre rôle a changé : {role}",
    "access_withdrawn": "votre accès a été retiré",
    "access_restored": "votre accès a été rétabli, avec le rôle : {role}",
    "second_factor_reset": (
        "votre double authentification a été réinitialisée : vous l'activerez de nouveau à "
        "votre prochaine connexion, et vos sessions ouvertes ont été fermées"
    ),
}


def site_link(path: str) -> str:
    return settings.ALLERVERS_SITE_URL.rstrip("/") + path


def password_link(user) -> str:
    """A fresh link to choose a password (valid `PASSWORD_RESET_TIMEOUT` seconds)."""
    return site_link(
        reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
    )


def _send(*, template: str, context: dict, to: str) -> int:
    subject = " ".join(render_to_string(f"{template}_subject.txt", context).split())
    body = render_to_string(f"{template}_body.txt", context)
    return mailers.default.send_messages([EmailMessage(subject=subject, body=body, to=[to])])


@task()
def member_welcome_email(membership_id: int, new_account: bool, invited_by_id: int | None) -> int:
    """The invitation: a link to choose a password while the account has none; for an account
    that awaits acceptance, the page where its owner accepts or declines. Its outcome is written
    on the membership: `invitation_sent_at` once sent, else `invitation_error` (the reason, for
    the team page and the platform admin) and the error is raised again (the task fails)."""
    membership = Membership.objects.select_related("user", "operator", "partner").get(
        pk=membership_id
    )
    user = membership.user
    context = {
        "membership": membership,
        "greeting": greeting(user.first_name),
        "invited_by": get_user_model().objects.filter(pk=invited_by_id).first(),
        "password_link": "" if user.has_usable_password() else password_link(user),
        "login_link": site_link(reverse("accounts:login")),
        "invitations_link": site_link(reverse("invitations:list")),
    }
    try:
        sent = _send(template="operators/email/welcome", context=context, to=user.email)
    except Exception as error:
        reason = send_failure_reason(error)
        Membership.objects.filter(pk=membership_id).update(invitation_error=reason)
        logger.exception("Invitation of membership %s not sent: %s", membership_id, reason)
        raise
    Membership.objects.filter(pk=membership_id).update(
        invitation_sent_at=timezone.now(), invitation_error=""
    )
    return sent


@task()
def member_account_notice(membership_id: int, notice: str, by_id: int | None) -> int:
    """Tell an account's owner what a coordinator changed on their account in a structure."""
    membership = Membership.objects.select_related("user", "operator").get(pk=membership_id)
    what = ACCOUNT_NOTICES[notice].format(role=membership.get_role_display())
    context = {
        "membership": membership,
        "greeting": greeting(membership.user.first_name),
        "what": what,
        "by": get_user_model().objects.filter(pk=by_id).first(),
        "login_link": site_link(reverse("accounts:login")),
    }
    return _send(
        template="operators/email/account_notice", context=context, to=membership.user.email
    )
