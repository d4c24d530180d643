"""Ids read from requests: an out-of-range or non-ASCII number is no id, never a server error."""

import pytest
from django.core.exceptions import ValidationError

from allervers.core.fields import LARGEST_ID, ModelChoiceField, id_from
from allervers.reception.models import Topic


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("12", 12),
        (12, 12),
        (str(LARGEST_ID), LARGEST_ID),
        (str(LARGEST_ID + 1), None),
        ("99999999999999999999", None),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("١٢", None),
        ("", None),
        (None, None),
        ("1.5", None),
    ],
)
def test_id_from(raw, expected):
    assert id_from(raw) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["99999999999999999999", "-99999999999999999999", "abc", "²"])
def test_model_choice_field_refuses_out_of_range_ids(raw):
    field = ModelChoiceField(queryset=Topic.objects.all())
    with pytest.raises(ValidationError):
        field.clean(raw)
