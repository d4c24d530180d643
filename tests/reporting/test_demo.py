"""On the demo year, the report tells the field report's figures (issue 5, point 6)."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.demo import data
from allervers.demo.loader import demo_load
from allervers.operators.models import Membership
from tests.html import text_of

pytestmark = pytest.mark.django_db


def _number(pattern: str, text: str) -> float:
    return float(re.search(pattern, text).group(1).replace(",", "."))


def test_the_demo_years_report_shows_the_seeds_figures(client):
    demo_load()
    coordinator = Membership.objects.get(
        operator__slug=data.OPERATOR["slug"], role=Role.COORDINATOR
    ).user
    client.force_login(coordinator)
    year = timezone.localdate().year - 1
    response = client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": year})
    paragraph = re.sub(r"\s+", " ", response.context["view"].paragraph.replace("\xa0", " "))
    assert paragraph.startswith("En un an, le bus a stationné")
    assert _number(r"stationné (\d+) fois", paragraph) > 100
    assert "sur les 4 lieux de stationnement" in paragraph
    assert 340 <= _number(r"reçu (\d+) visites", paragraph) <= 400
    assert 200 <= _number(r"visites de (\d+) personnes différentes au moins", paragraph) <= 300
    assert 40 <= _number(r"durée moyenne de (\d+) minutes", paragraph) <= 50
    assert 2.3 <= _number(r"soit ([\d,]+) visites en moyenne par permanence", paragraph) <= 3.7
    assert 50 <= _number(r"femmes font (\d+) % des réponses connues", paragraph) <= 58
    assert 65 <= _number(r"quartier du Regain font (\d+) % des réponses connues", paragraph) <= 75
    assert "sans rendez-vous font" in paragraph
    assert paragraph in re.sub(r"\s+", " ", text_of(response).replace("\xa0", " "))
    # Appointments and workshops (issue 13): their section, with the demo's series.
    page = text_of(response)
    assert "Rendez-vous par partenaire" in page and "L'équipe du bus" in page
    assert "Atelier CV" in page and "Creative lab de l'agglomération" in page
    bookings = response.context["view"].report["bookings"]
    assert bookings["appointments"]["total"]["honoured"] > 30
    assert bookings["workshops"]["total"]["sessions"] > 30


def test_a_funder_reads_the_demo_year_with_small_counts_hidden(client, make_member):
    demo_load()
    operator = Membership.objects.get(
        operator__slug=data.OPERATOR["slug"], role=Role.COORDINATOR
    ).operator
    client.force_login(make_member(operator, Role.VIEWER))
    year = timezone.localdate().year - 1
    response = client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": year})
    view = response.context["view"]
    headline = {figure.key: figure for figure in view.headline}
    assert headline["visits"].value.raw > 300  # the big figures are all there
    assert headline["women_share"].words.startswith("des réponses connues, soit")
    paragraph = view.paragraph
    assert "n.c." not in paragraph and "< 5" not in paragraph
    assert view.formatter.cells(view.report).exposed() == []
