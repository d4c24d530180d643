"""The one pattern of a back-office form view: bind, validate, call the service, show errors.

A view builds its form, hands it to `form_submit` with the service call to make, and renders
with `form_status(form)` (or `render_form`):

    form = StopForm(posted(request), operator=request.operator)
    submission = form_submit(request, form, lambda data: services.stop_create_one_off(
        operator=request.operator, **data))
    if submission.done:
        return redirect("planning:stop_detail", stop_id=submission.result.pk)
    return render_form(request, "pages/form_page.html", {"form": form})

The service refuses bad input with a French `ValidationError` (nothing saved); its messages land
on the form, on the fields they name when the form has them, and the page answers
`INVALID_FORM_STATUS`. One status for every invalid form of the site: 400, because the request
was refused and nothing changed (a browser shows the page the same way; a client or a test sees
the refusal in the status).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

INVALID_FORM_STATUS = 400


def posted(request: HttpRequest):
    """The POST data of a submission, None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's refusal on the form: on a field the form has, else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for message in ValidationError(errors).messages:
                form.add_error(target, message)
        return
    for message in error.messages:
        form.add_error(None, message)


@dataclass(frozen=True)
class Submission:
    """What became of a form: `done` when it was posted, valid and its action succeeded."""

    done: bool
    result: Any = None


NOT_DONE = Submission(done=False)


def form_submit(
    request: HttpRequest, form: forms.BaseForm, action: Callable[[dict], Any]
) -> Submission:
    """On POST, validate `form` and run `action(form.cleaned_data)`.

    A `ValidationError` raised by the action (a service's refusal) is added to the form and
    nothing else happens; any other exception propagates.
    """
    if request.method != "POST" or not form.is_bound or not form.is_valid():
        return NOT_DONE
    try:
        result = action(form.cleaned_data)
    except ValidationError as error:
        add_service_error(form, error)
        return NOT_DONE
    return Submission(done=True, result=result)


def form_status(*forms_shown: forms.BaseForm | None) -> int:
    """The page's status: `INVALID_FORM_STATUS` when any form shown holds errors."""
    return INVALID_FORM_STATUS if any(f is not None and f.errors for f in forms_shown) else 200


def render_form(
    request: HttpRequest,
    template: str,
    context: dict,
    *,
    forms_shown: Iterable[forms.BaseForm | None] | None = None,
) -> HttpResponse:
    """Render a page holding forms, with the one status rule.

    The forms are `forms_shown`, or else the context's `form`.
    """
    shown = list(forms_shown) if forms_shown is not None else [context.get("form")]
    return render(request, template, context, status=form_status(*shown))
