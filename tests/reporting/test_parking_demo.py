"""On the demo, « Où et quand stationner » shows the evening trials and at least one suggestion
(issue 15, point 5, done when)."""

import re

import pytest
from django.urls import reverse

from allervers.core.roles import Role
from allervers.demo import data
from allervers.operators.models import Membership
from tests.html import text_of

pytestmark = pytest.mark.django_db


def test_the_demo_page_shows_the_evening_trials_and_a_suggestion(client, demo):
    coordinator = Membership.objects.get(
        operator__slug=data.OPERATOR["slug"], role=Role.COORDINATOR
    ).user
    client.force_login(coordinator)
    response = client.get(reverse("reporting:parking"))
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", text_of(response).replace("\xa0", " ").replace("\u202f", " "))
    # The last complete year, with the summer's three evening trials, compared with daytime.
    assert "Où et quand stationner : année" in text
    assert "Place du Regain, le mardi soir (été) : 3 permanences" in text
    assert "Soir (à partir de 17 h)" in text
    assert "Trop peu de permanences du soir ou de journée (n < 5) pour conclure." in text
    # The Wednesday afternoon at the school draws fewer: a suggestion, linked to its patterns.
    suggestions = response.context["section"].suggestions
    assert suggestions
    quiet = next(s for s in suggestions if s.text.startswith("Parking de l'école Jules Ferry"))
    assert "le mercredi après-midi (année scolaire)" in quiet.text
    assert "visite par permanence contre" in quiet.text
    assert len(quiet.patterns) == 2  # the school year's two halves
    for pattern in quiet.patterns:
        assert reverse("planning:pattern_detail", args=[pattern.pattern_id]) in text
