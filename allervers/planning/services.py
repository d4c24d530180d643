"""Writes of the planning: generating stops from patterns, and more to come."""

import datetime
from dataclasses import dataclass, field

from django.db import transaction

from .calendars import is_school_holiday, public_holiday_name
from .models import SchedulePattern, Stop
from .revision import planning_revision_bump


@dataclass
class SkippedDate:
    date: datetime.date
    reason: str


@dataclass
class PatternPlan:
    """What generating a pattern would do (or did)."""

    to_create: list[datetime.date] = field(default_factory=list)
    existing: list[datetime.date] = field(default_factory=list)
    skipped: list[SkippedDate] = field(default_factory=list)


def _occurrences(pattern: SchedulePattern):
    offset = (pattern.weekday - pattern.valid_from.weekday()) % 7
    day = pattern.valid_from + datetime.timedelta(days=offset)
    while day <= pattern.valid_until:
        yield day
        day += datetime.timedelta(days=7)


def pattern_preview(*, pattern: SchedulePattern) -> PatternPlan:
    """The dates a pattern would create, and those it skips, with the reason (in French)."""
    plan = PatternPlan()
    already = set(Stop.objects.filter(pattern=pattern).values_list("pattern_date", flat=True))
    vehicle_stops: dict[datetime.date, list[tuple[datetime.time, datetime.time]]] = {}
    for day, start, end in (
        Stop.objects.held()
        .filter(
            vehicle_id=pattern.vehicle_id,
            date__gte=pattern.valid_from,
            date__lte=pattern.valid_until,
        )
        .values_list("date", "start_time", "end_time")
    ):
        vehicle_stops.setdefault(day, []).append((start, end))
    for day in _occurrences(pattern):
        if day in already:
            plan.existing.append(day)
            continue
        holiday = public_holiday_name(day)
        if holiday:
            plan.skipped.append(SkippedDate(day, f"jour férié ({holiday})"))
            continue
        if pattern.skip_school_holidays and is_school_holiday(day, pattern.school_zone):
            plan.skipped.append(SkippedDate(day, "vacances scolaires"))
            continue
        if any(
            start < pattern.end_time and pattern.start_time < end
            for start, end in vehicle_stops.get(day, [])
        ):
            plan.skipped.append(SkippedDate(day, "le bus a déjà une permanence à ces heures"))
            continue
        plan.to_create.append(day)
    return plan


@transaction.atomic
def pattern_generate(*, pattern: SchedulePattern) -> PatternPlan:
    """Create the missing stops of a pattern. Never edits or deletes a stop: running it twice
    changes nothing, and edited, moved or cancelled stops are left as they are."""
    plan = pattern_preview(pattern=pattern)
    Stop.objects.bulk_create(
        [
            Stop(
                operator_id=pattern.operator_id,
                vehicle_id=pattern.vehicle_id,
                site_id=pattern.site_id,
                date=day,
                start_time=pattern.start_time,
                end_time=pattern.end_time,
                pattern=pattern,
                pattern_date=day,
            )
            for day in plan.to_create
        ]
    )
    if plan.to_create:
        planning_revision_bump(pattern.operator_id)
    return plan
