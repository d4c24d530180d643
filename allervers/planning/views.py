from django.shortcuts import render
from django.utils import timezone

from allervers.operators.enums import ALL_ROLES, Role
from allervers.operators.tenancy import operator_view, scoped

from .models import Stop

UPCOMING_ON_HOME = 6


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

    stops = scoped(request, Stop).upcoming(today).with_details()
    if membership.role == Role.PARTNER:
        stops = stops.filter(presences__partner=membership.partner)
    upcoming = list(stops[: UPCOMING_ON_HOME + 1])
    context["todays_stops"] = [stop for stop in upcoming if stop.date == today]
    context["next_stops"] = [stop for stop in upcoming if stop.date != today][:UPCOMING_ON_HOME]
    context["recent_cancellations"] = list(
        scoped(request, Stop)
        .cancelled()
        .upcoming(today)
        .filter(cancelled_at__gte=timezone.now() - timezone.timedelta(days=14))
        .select_related("site")[:5]
    )
    return render(request, "planning/home.html", context)
