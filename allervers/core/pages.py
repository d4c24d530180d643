"""The page shapes every back-office screen shares: a page holding one form, and a confirmation
(one button, the service's refusal above it). Templates: templates/pages/."""

from django import forms
from django.http import HttpResponse

from allervers.core.form_views import render_form


class ConfirmForm(forms.Form):
    """A confirmation button: no field; a refusal of the service shows as the form's error."""


def form_page(request, form, *, title: str, submit: str, back_url: str, **extra) -> HttpResponse:
    """A page holding one form (`intro`, `submit_class`, `back_label` optional)."""
    context = {"form": form, "title": title, "submit": submit, "back_url": back_url, **extra}
    return render_form(request, "pages/form_page.html", context)


def confirm_page(request, form, *, title: str, intro: str, submit: str, back_url: str):
    """Ask before acting: one button; the service's refusal shows above it."""
    context = {"form": form, "title": title, "intro": intro, "submit": submit}
    return render_form(request, "pages/confirm.html", {**context, "back_url": back_url})
