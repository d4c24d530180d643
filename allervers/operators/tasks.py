"""Background work of the operators app: welcoming a new team member by e-mail."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from allervers.core.french import greeting

from .models import Membership


@task()
def member_welcome_email(membership_id: int, new_account: bool, invited_by_id: int) -> int:
    membership = Membership.objects.select_related("user", "operator", "partner").get(
        pk=membership_id
    )
    user = membership.user
    invited_by = get_user_model().objects.filter(pk=invited_by_id).first()
    password_link = ""
    if new_account:
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        password_link = settings.ALLERVERS_SITE_URL.rstrip("/") + path
    context = {
        "membership": membership,
        "greeting": greeting(user.first_name),
        "invited_by": invited_by,
        "password_link": password_link,
        "login_link": settings.ALLERVERS_SITE_URL.rstrip("/") + reverse("accounts:login"),
    }
    subject = " ".join(render_to_string("operators/email/welcome_subject.txt", context).split())
    body = render_to_string("operators/email/welcome_body.txt", context)
    return mailers.default.send_messages(
        [EmailMessage(subject=subject, body=body, to=[user.email])]
    )
