"""The page shapes the planning's screens share: a form page, a confirmation, back to a stop."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from allervers.core.form_views import render_form


def stop_url(stop_id: int) -> str:
    return reverse("planning:stop_detail", kwargs={"stop_id": stop_id})


def back_to_stop(request, stop_id: int, refusal: str) -> HttpResponse:
    """Back to the stop's page, saying why the action was not offered."""
    messages.error(request, refusal)
    return HttpResponseRedirect(stop_url(stop_id))


def form_page(request, form, *, title: str, submit: str, back_url: str, **extra) -> HttpResponse:
    """A page holding one form (`intro`, `submit_class`, `back_label` optional)."""
    context = {"form": form, "title": title, "submit": submit, "back_url": back_url, **extra}
    return render_form(request, "planning/form_page.html", context)


def stop_form_page(request, stop, form, *, title: str, submit: str) -> HttpResponse:
    """A form about one stop (who is on it): the stop's slot above, back to its page."""
    return form_page(
        request, form, title=title, intro=stop.slot_label, submit=submit, back_url=stop_url(stop.pk)
    )


def confirm_page(request, form, *, title: str, intro: str, submit: str, back_url: str):
    """Ask before acting: one button; the service's refusal shows above it."""
    context = {"form": form, "title": title, "intro": intro, "submit": submit}
    return render_form(request, "planning/confirm.html", {**context, "back_url": back_url})
