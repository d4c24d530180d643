"""The demo has subscribers at each site, and their figures for the demo year."""

import datetime

import pytest
from django.utils import timezone

from allervers.alerts.figures import alert_figures
from allervers.alerts.queries import subscriber_counts
from allervers.planning.models import Site

pytestmark = pytest.mark.django_db


def test_the_demo_has_subscribers_at_each_site_and_their_figures(demo):
    operator = demo.operator
    counts = subscriber_counts(operator)
    sites = Site.objects.for_operator(operator).active()
    assert sites and all(counts.get(site.pk, 0) >= 10 for site in sites)
    year = timezone.localdate().year - 1
    figures = alert_figures(operator.pk, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert figures["by_site"] and all(row["subscribers"] > 0 for row in figures["by_site"])
    assert 0 < figures["visits_at_alerted_stops"] <= figures["visits"]
