import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, URLResolver, get_resolver

from allervers.operators.models import RESERVED_SLUGS, Operator
from tests.conftest import refused_by
from tests.operators.factories import OperatorFactory


def _first_segments():
    for entry in get_resolver().url_patterns:
        route = str(entry.pattern)
        segment = route.lstrip("^").split("/")[0]
        if segment and "<" not in segment and "(" not in segment:
            yield segment
        if isinstance(entry, URLResolver) and not segment:
            for child in entry.url_patterns:
                assert isinstance(child, URLPattern | URLResolver)
                child_segment = str(child.pattern).lstrip("^").split("/")[0]
                if child_segment and "<" not in child_segment and "(" not in child_segment:
                    yield child_segment


def test_every_fixed_first_segment_of_the_site_is_reserved():
    segments = set(_first_segments())
    assert segments, "the URL configuration has fixed prefixes"
    assert segments <= RESERVED_SLUGS, segments - RESERVED_SLUGS


@pytest.mark.django_db
@pytest.mark.parametrize("slug", sorted(RESERVED_SLUGS))
def test_a_reserved_slug_is_refused_by_the_form_layer_and_the_database(slug):
    operator = Operator(name="CCAS", slug=slug)
    with pytest.raises(ValidationError) as error:
        operator.full_clean()
    assert "réservé" in str(error.value)
    with refused_by("operator_slug_not_reserved"):
        OperatorFactory(slug=slug)
