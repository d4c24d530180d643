"""The alerts' figures of a yearly report (to be shown by `reporting`, docs/indicators.md):

- per site, the subscribers reached: the greatest number of day-before alerts that left for one
  stop of the site in the period (the subscriptions themselves are deleted when they end, the
  alerts stay without them: the figure stays the same when the year is read again);
- the share of visits at stops with alerts: the visits of the period at stops for which at least
  one day-before alert left, out of all the visits of the period.

SQL aggregates, two queries; a plain JSON-ready dict."""

import datetime

from django.db.models import Count, Exists, OuterRef

from allervers.reception.models import Visit

from .enums import AlertKind, AlertStatus
from .models import AlertMessage

LEFT = [AlertStatus.SENT, AlertStatus.DELIVERED]


def _left(operator_id: int, start: datetime.date, end: datetime.date, site_id=None):
    found = AlertMessage.objects.filter(
        operator_id=operator_id,
        kind=AlertKind.DAY_BEFORE,
        status__in=LEFT,
        stop__date__gte=start,
        stop__date__lte=end,
    )
    return found if site_id is None else found.filter(stop__site_id=site_id)


def alert_figures(
    operator_id: int, start: datetime.date, end: datetime.date, *, site_id: int | None = None
) -> dict:
    """The figures of the period (with a site, of its stops only)."""
    per_stop = (
        _left(operator_id, start, end, site_id)
        .values("site_id", "site__name", "stop_id")
        .annotate(count=Count("pk"))
    )
    peaks: dict[int, dict] = {}
    for row in per_stop:
        site = peaks.setdefault(row["site_id"], {"name": row["site__name"], "subscribers": 0})
        site["subscribers"] = max(site["subscribers"], row["count"])
    alerted = _left(operator_id, start, end).filter(stop_id=OuterRef("stop_id"))
    # The stop's operator too: the planner then walks the period's stops through their
    # (operator, date) index, not every visit of the operator (≈ 250 ms → ≈ 10 ms on the
    # reporting benchmark's ten years).
    visits = Visit.objects.filter(
        operator_id=operator_id,
        stop__operator_id=operator_id,
        stop__date__gte=start,
        stop__date__lte=end,
    ).aggregate(total=Count("pk"), alerted=Count("pk", filter=Exists(alerted)))
    return {
        "by_site": sorted(peaks.values(), key=lambda row: row["name"]),
        "visits": visits["total"],
        "visits_at_alerted_stops": visits["alerted"],
    }
