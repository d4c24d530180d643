"""The previous period's key figures are computed as totals only (no cells by site and month, no
breakdowns: issue 27, the report's speed) — and are exactly those of that period's own report."""

import pytest

from allervers.reporting.periods import Period
from allervers.reporting.queries import Scope, report_compute

from .conftest import TODAY, YEAR

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("year", [YEAR, YEAR + 1])
@pytest.mark.parametrize("filtered", [None, "site", "partner"])
def test_the_previous_years_figures_are_its_own_reports(dataset, year, filtered):
    operator = dataset.operator
    filters = {}
    if filtered == "site":
        filters["site_id"] = operator.sites.order_by("pk").first().pk
    elif filtered == "partner":
        filters["partner_id"] = operator.partners.order_by("pk").first().pk
    report = report_compute(Scope(operator.pk, Period.year(year), TODAY, **filters))
    own = report_compute(
        Scope(operator.pk, Period.year(year - 1), TODAY, **filters), with_previous=False
    )
    previous = report["previous"]
    assert previous["period"] == own["period"]
    for family in ("stops", "visits", "referrals"):
        assert previous[family] == own[family], family
    assert "breakdowns" not in previous
