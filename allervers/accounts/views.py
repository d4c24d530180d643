from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.urls import reverse_lazy

from . import lockout


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
    """Django's view, throttled per client IP address, and closed to a locked-out address: a
    reset link must not be a faster way out of a lockout than waiting for the cool-off."""

    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):
        if not lockout.password_reset_allowed(self.request) or lockout.is_locked(
            self.request, form.cleaned_data["email"]
        ):
            return locked_out(self.request)
        return super().form_valid(form)


def locked_out(request, original_response=None, credentials=None):
    """The French page of a lockout, in our layout (django-axes' `AXES_LOCKOUT_CALLABLE`)."""
    minutes = max(1, round(get_cool_off(request).total_seconds() / 60))
    return render(
        request,
        "accounts/locked_out.html",
        {"cooloff_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
