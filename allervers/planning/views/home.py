"""The home page: today's stop first, then the next ones, and the recent changes."""

import datetime

from django.shortcuts import redirect, render
from django.utils import timezone

from allervers.core.roles import ALL_ROLES, COORDINATOR_ROLES, Role
from allervers.core.tenancy import operator_view, scoped
from allervers.operators.services import operator_public_page_seen

from ..enums import StopStatus
from ..first_steps import unfinished_first_steps
from ..models import RotaLine, Stop, StopEvent

UPCOMING_ON_HOME = 6
RECENT_CHANGE_DAYS = 14


@operator_view(*ALL_ROLES)
def home(request):
    """Today's stop first, then the next ones; what each role needs to start its day."""
    today = timezone.localdate()
    membership = request.membership
    context = {"today": today}
    if membership.role == Role.VIEWER:
        year_stops = scoped(request, Stop).filter(date__year=today.year, date__lte=today)
        context["held_this_year"] = year_stops.held().count()
        context["cancelled_this_year"] = year_stops.cancelled().count()
        return render(request, "planning/home_viewer.html", context)

    if membership.role == Role.COORDINATOR:
        context["first_steps"] = unfinished_first_steps(request.operator)
        context["declarations_waiting"] = list(
            scoped(request, RotaLine).awaiting_approval().select_related("pattern__site")
        )
    stops = scoped(request, Stop).upcoming(today).with_details()
    if membership.role == Role.PARTNER:
        stops = stops.for_partner(membership.partner_id)
    upcoming = list(stops[: UPCOMING_ON_HOME + 1])
    context["todays_stops"] = [stop for stop in upcoming if stop.date == today]
    context["next_stops"] = [stop for stop in upcoming if stop.date != today][:UPCOMING_ON_HOME]
    since = timezone.now() - datetime.timedelta(days=RECENT_CHANGE_DAYS)
    context["recent_cancellations"] = list(
        scoped(request, Stop)
        .cancelled()
        .upcoming(today)
        .filter(cancelled_at__gte=since)
        .select_related("site")[:5]
    )
    context["recent_restorations"] = list(
        scoped(request, StopEvent)
        .restored()
        .filter(at__gte=since, stop__date__gte=today, stop__status=StopStatus.HELD)
        .select_related("stop__site")
        .order_by("-at")[:5]
    )
    context["recent_moves"] = list(
        scoped(request, Stop)
        .held()
        .upcoming(today)
        .filter(moved_at__gte=since)
        .select_related("site")[:5]
    )
    return render(request, "planning/home.html", context)


@operator_view(*COORDINATOR_ROLES)
def public_page_visit(request):
    """Open the structure's public page, and tick the first step that asks to look at it."""
    operator_public_page_seen(operator=request.operator)
    return redirect("public:operator", operator_slug=request.operator.slug)
