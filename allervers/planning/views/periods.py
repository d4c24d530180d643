"""The planning over a period: month, week, the coming weeks."""

import datetime

from django.utils import timezone

from allervers.core.form_views import render_form
from allervers.core.roles import PLANNING_READER_ROLES
from allervers.core.tenancy import operator_view

from ..queries import month_bounds, month_weeks, week_days
from .filters import (
    filter_form,
    filtered_stops,
    month_links,
    query_string,
    show_period,
    shown_month,
)

UPCOMING_DAYS = 8 * 7


@operator_view(*PLANNING_READER_ROLES)
def month(request):
    form = filter_form(request, "month")
    first = shown_month(form)
    start, end = month_bounds(first)
    stops = list(filtered_stops(request, form).between(start, end).with_details())
    context = {
        "form": form,
        "month": first,
        "weeks": month_weeks(first, stops),
        "stop_count": len(stops),
        **month_links(form, first),
        "today": timezone.localdate(),
    }
    return render_form(request, "planning/month.html", context)


@operator_view(*PLANNING_READER_ROLES)
def week(request):
    form = filter_form(request, "week")
    today = timezone.localdate()
    monday = form.value("week") or today - datetime.timedelta(days=today.weekday())
    show_period(form, "week", monday.strftime("%G-W%V"))
    sunday = monday + datetime.timedelta(days=6)
    stops = list(filtered_stops(request, form).between(monday, sunday).with_details())
    previous_monday = monday - datetime.timedelta(days=7)
    next_monday = monday + datetime.timedelta(days=7)
    context = {
        "form": form,
        "monday": monday,
        "sunday": sunday,
        "iso_week": monday.isocalendar().week,
        "days": week_days(monday, stops),
        "previous_url": query_string(form, week=previous_monday.strftime("%G-W%V")),
        "next_url": query_string(form, week=next_monday.strftime("%G-W%V")),
        "today": today,
    }
    return render_form(request, "planning/week.html", context)


@operator_view(*PLANNING_READER_ROLES)
def upcoming(request):
    form = filter_form(request, "upcoming")
    today = timezone.localdate()
    stops = list(
        filtered_stops(request, form)
        .between(today, today + datetime.timedelta(days=UPCOMING_DAYS))
        .order_by("date", "start_time")
        .with_details()
    )
    context = {"form": form, "stops": stops, "today": today, "weeks": UPCOMING_DAYS // 7}
    return render_form(request, "planning/upcoming.html", context)
