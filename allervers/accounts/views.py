from axes.helpers import get_cool_off
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.qr import qr_svg

from . import lockout, second_factor
from .forms import InvitationPasswordResetForm, SecondFactorCodeForm
from .middleware import second_factor_not_required


def permission_denied(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


class LogoutView(auth_views.LogoutView):
    """Django's view; the browser also forgets what the site kept in it (the visits waiting on
    the bus's tablet, the pages its service worker kept: reception/sync.py)."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        response["Clear-Site-Data"] = '"cache", "storage"'
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Django's view, throttled per client address (past it, the lockout page) and per e-mail
    address (past it, the same neutral page, no e-mail). It answers while the account is locked:
    the link it sends is how the owner unlocks it (`PasswordResetConfirmView`)."""

    form_class = InvitationPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not lockout.password_reset_allowed(self.request):
            return locked_out(self.request)
        if not lockout.reset_email_allowed(form.cleaned_data["email"]):
            return redirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view; a new password chosen through the e-mailed link lifts the account's
    lockout (only the mailbox's owner has the link)."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        lockout.account_unlock(form.user)
        return response


def locked_out(request, original_response=None, credentials=None, *, second_factor=False):
    """The French page of a lockout, in our layout (django-axes' `AXES_LOCKOUT_CALLABLE`; with
    `second_factor`, the code step's)."""
    minutes = max(1, round(get_cool_off(request).total_seconds() / 60))
    return render(
        request,
        "accounts/locked_out.html",
        {"cooloff_minutes": minutes, "second_factor": second_factor},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


# The second factor -------------------------------------------------------------------------------

WRONG_CODE = (
    "Ce code n'est pas valable. Vérifiez-le (un code change toutes les 30 secondes et ne sert "
    "qu'une fois ; un code de secours aussi) et réessayez."
)
VERIFY_HELP = (
    "Saisissez le code à 6 chiffres affiché par votre application d'authentification, ou l'un "
    "de vos codes de secours."
)
ENROL_HELP = "Saisissez le code à 6 chiffres que l'application affiche maintenant."


def _next_url(request) -> str:
    """Where to go after the step: the page asked for (of this site only), else the home."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _code_step(request, form: SecondFactorCodeForm, check) -> tuple[bool, object]:
    """Run `check(code)` for a posted code under the throttle: (locked, the check's result)."""
    if request.method == "POST" and lockout.second_factor_locked(request):
        lockout.second_factor_failed(request)  # an attempt during the lockout extends it
        return True, None
    submission = form_submit(request, form, lambda data: check(data["code"]))
    if submission.done:
        lockout.second_factor_passed(request)
        return False, submission.result
    if form.is_bound and "code" in form.errors and form.data.get("code"):
        lockout.second_factor_failed(request)
        return lockout.second_factor_locked(request), None
    return False, None


@second_factor_not_required
@never_cache
def second_factor_verify(request):
    """The code step of the login: a code of the application or a backup code."""
    user, next_url = request.user, _next_url(request)
    if user.is_verified():
        return redirect(next_url)
    if not second_factor.has_second_factor(user):
        return redirect(_with_next("accounts:second_factor_enrol", next_url))
    form = SecondFactorCodeForm(posted(request), help_text=VERIFY_HELP)

    def check(code):
        device = second_factor.code_check(user=user, code=code)
        if device is None:
            raise ValidationError({"code": WRONG_CODE})
        return device

    locked, device = _code_step(request, form, check)
    if locked:
        return locked_out(request, second_factor=True)
    if device is not None:
        second_factor.mark_verified(request, device)
        return redirect(next_url)
    return render_form(
        request, "accounts/second_factor_verify.html", {"form": form, "next": next_url}
    )


@second_factor_not_required
@never_cache
def second_factor_enrol(request):
    """Setting up the application: its QR code and secret, then its first code."""
    user, next_url = request.user, _next_url(request)
    if second_factor.has_second_factor(user):
        if user.is_verified():
            return redirect("accounts:security")
        return redirect(_with_next("accounts:second_factor_verify", next_url))
    device = second_factor.enrolment_device(user=user)
    form = SecondFactorCodeForm(posted(request), help_text=ENROL_HELP)
    locked, codes = _code_step(
        request,
        form,
        lambda code: second_factor.enrolment_confirm(request=request, device=device, code=code),
    )
    if locked:
        return locked_out(request, second_factor=True)
    if codes is not None:
        second_factor.mark_verified(request, device)
        request.session[second_factor.NEW_BACKUP_CODES] = codes
        messages.success(request, "La double authentification est activée.")
        return redirect(_with_next("accounts:backup_codes", next_url))
    return render_form(
        request,
        "accounts/second_factor_enrol.html",
        {
            "form": form,
            "next": next_url,
            "qr": qr_svg(device.config_url, title="Code QR à scanner avec votre application"),
            "secret": second_factor.secret_for_reading(device),
            "required": second_factor.needs_second_factor(user),
        },
    )


@never_cache
def backup_codes(request):
    """The new backup codes, shown once."""
    codes = request.session.pop(second_factor.NEW_BACKUP_CODES, None)
    if not codes:
        messages.info(
            request,
            "Les codes de secours ne s'affichent qu'une fois. Si vous ne les avez plus, "
            "générez-en de nouveaux.",
        )
        return redirect("accounts:security")
    return render(
        request,
        "accounts/backup_codes.html",
        {
            "codes": [second_factor.backup_code_for_reading(code) for code in codes],
            "next": _next_url(request),
        },
    )


@never_cache
def security(request):
    """The person's own « Sécurité » page: is the second factor on, new backup codes."""
    user = request.user
    form = forms.Form(posted(request))
    submission = form_submit(
        request, form, lambda data: second_factor.backup_codes_renew(user=user)
    )
    if submission.done:
        request.session[second_factor.NEW_BACKUP_CODES] = submission.result
        return redirect(_with_next("accounts:backup_codes", reverse("accounts:security")))
    return render_form(
        request,
        "accounts/security.html",
        {
            "form": form,
            "device": second_factor.app_device(user),
            "backup_codes_left": second_factor.backup_codes_left(user),
            "required": second_factor.needs_second_factor(user),
        },
    )
