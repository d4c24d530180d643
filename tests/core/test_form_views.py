"""The one form-view pattern: valid → the action runs; invalid or refused → errors, status 400."""

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from allervers.core.form_views import (
    INVALID_FORM_STATUS,
    add_service_error,
    form_status,
    form_submit,
    posted,
)


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


@pytest.fixture
def rf():
    return RequestFactory()


def test_a_get_is_not_a_submission(rf):
    request = rf.get("/")
    form = NameForm(posted(request))
    assert not form.is_bound
    submission = form_submit(request, form, lambda data: pytest.fail("must not run"))
    assert not submission.done
    assert form_status(form) == 200


def test_a_valid_post_runs_the_action_with_the_cleaned_data(rf):
    request = rf.post("/", {"name": "Barlin"})
    form = NameForm(posted(request))
    submission = form_submit(request, form, lambda data: data["name"].upper())
    assert submission.done
    assert submission.result == "BARLIN"
    assert form_status(form) == 200


def test_an_empty_post_is_a_submission_and_an_error(rf):
    request = rf.post("/", {})
    form = NameForm(posted(request))
    submission = form_submit(request, form, lambda data: pytest.fail("must not run"))
    assert not submission.done
    assert form.errors["name"]
    assert form_status(form) == INVALID_FORM_STATUS == 400


def test_a_service_refusal_lands_on_the_form(rf):
    def refuse(data):
        raise ValidationError("Ce nom est déjà pris.")

    request = rf.post("/", {"name": "Barlin"})
    form = NameForm(posted(request))
    submission = form_submit(request, form, refuse)
    assert not submission.done
    assert form.non_field_errors() == ["Ce nom est déjà pris."]
    assert form_status(form) == 400


def test_a_refusal_naming_fields_goes_to_the_fields_the_form_has():
    form = NameForm({"name": "Barlin"})
    assert form.is_valid()
    add_service_error(
        form, ValidationError({"name": "Trop court.", "unknown": "Hors du formulaire."})
    )
    assert form.errors["name"] == ["Trop court."]
    assert form.non_field_errors() == ["Hors du formulaire."]


def test_other_exceptions_propagate(rf):
    request = rf.post("/", {"name": "Barlin"})
    form = NameForm(posted(request))
    with pytest.raises(ZeroDivisionError):
        form_submit(request, form, lambda data: 1 / 0)


def test_the_status_looks_at_every_form_shown():
    valid = NameForm({"name": "a"})
    invalid = NameForm({"name": ""})
    valid.is_valid()
    invalid.is_valid()
    assert form_status(valid, None) == 200
    assert form_status(valid, invalid) == 400
