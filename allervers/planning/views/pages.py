"""The page shapes of the planning's screens about a stop: its address, back to it, a form about it
(the generic shapes are in allervers/core/pages.py)."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from allervers.core.pages import form_page


def stop_url(stop_id: int) -> str:
    return reverse("planning:stop_detail", kwargs={"stop_id": stop_id})


def back_to_stop(request, stop_id: int, refusal: str) -> HttpResponse:
    """Back to the stop's page, saying why the action was not offered."""
    messages.error(request, refusal)
    return HttpResponseRedirect(stop_url(stop_id))


def stop_form_page(request, stop, form, *, title: str, submit: str) -> HttpResponse:
    """A form about one stop (who is on it): the stop's slot above, back to its page."""
    return form_page(
        request, form, title=title, intro=stop.slot_label, submit=submit, back_url=stop_url(stop.pk)
    )
