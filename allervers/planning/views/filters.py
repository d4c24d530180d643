"""The filters of the period screens (month, week, upcoming, rota, coverage): the filter form,
the stops it selects, the links to the previous and next period."""

import datetime

from django.utils import timezone

from allervers.core.tenancy import scoped

from ..forms import PlanningFilterForm
from ..models import Stop
from ..queries import add_months


def filter_form(request, period: str) -> PlanningFilterForm:
    return PlanningFilterForm(request.GET or None, operator=request.operator, period=period)


def filtered_stops(request, form: PlanningFilterForm):
    stops = scoped(request, Stop)
    site, partner = form.value("site"), form.value("partner")
    if site is not None:
        stops = stops.filter(site=site)
    if partner is not None:
        stops = stops.for_partner(partner.pk)
    return stops


def show_period(form: PlanningFilterForm, name: str, value: str) -> None:
    """Fill the period input with the period shown, unless the user typed something wrong."""
    if not form.is_bound:
        form.initial[name] = value
    elif name not in form.errors:
        form.data = form.data.copy()
        form.data[name] = value


def query_string(form: PlanningFilterForm, **period) -> str:
    """The filters of the page with another period, for the previous / next links."""
    params = {}
    for name in ("site", "partner"):
        value = form.value(name)
        if value is not None:
            params[name] = value.pk
    params.update(period)
    return "?" + "&".join(f"{key}={value}" for key, value in params.items())


def shown_month(form: PlanningFilterForm) -> datetime.date:
    """The month asked for (first day), this month by default; the form shows it."""
    first = form.value("month") or timezone.localdate().replace(day=1)
    show_period(form, "month", f"{first:%Y-%m}")
    return first


def month_links(form: PlanningFilterForm, first: datetime.date) -> dict[str, str]:
    return {
        "previous_url": query_string(form, month=f"{add_months(first, -1):%Y-%m}"),
        "next_url": query_string(form, month=f"{add_months(first, 1):%Y-%m}"),
    }
