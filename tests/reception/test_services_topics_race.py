"""Two agents adding the same topic at the same instant: a French refusal, never a 500."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from allervers.reception.models import Topic
from allervers.reception.services.topics import topic_create


@pytest.mark.django_db
def test_a_topic_created_meanwhile_is_refused_in_french(operator):
    assert not Topic.objects.for_operator(operator).filter(slug="velo").exists()
    # The check sees nothing, then the other agent's row wins the unique constraint.
    Topic.objects.create(operator=operator, name="Vélo", slug="velo", position=99)
    with (
        mock.patch("django.db.models.query.QuerySet.exists", return_value=False),
        pytest.raises(ValidationError) as error,
    ):
        topic_create(operator=operator, name="Vélo")
    assert "existe déjà" in str(error.value)
    assert Topic.objects.for_operator(operator).filter(slug="velo").count() == 1
