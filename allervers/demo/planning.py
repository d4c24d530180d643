"""The demo year's planning: weekly patterns per season, one-off stops, rota, cancellations."""

import datetime
import random

from django.utils import timezone

from allervers.core.revision import stamps_public_revision
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.calendars import public_holiday_name
from allervers.planning.enums import CancelReason, DutyRole, StopEventKind, StopStatus
from allervers.planning.models import (
    PartnerPresence,
    RotaAbsence,
    RotaLine,
    SchedulePattern,
    Site,
    StaffAssignment,
    Stop,
    StopEvent,
    Vehicle,
)
from allervers.planning.services import pattern_generate

MORNING = (datetime.time(9, 0), datetime.time(12, 0))
AFTERNOON = (datetime.time(14, 0), datetime.time(17, 0))
EVENING = (datetime.time(17, 0), datetime.time(20, 0))

# (weekday, hours, site index): three a week in the school year, two in July-August.
SCHOOL_YEAR_RHYTHM = [(0, MORNING, 0), (2, AFTERNOON, 1), (3, MORNING, 2)]
SUMMER_RHYTHM = [(1, MORNING, 3), (3, MORNING, 0)]


def season_ranges(first_year: int, last_year: int):
    """(label, start, end, rhythm) from 1 January of first_year to 30 June of last_year."""
    for year in range(first_year, last_year + 1):
        yield (
            "Année scolaire",
            datetime.date(year, 1, 1),
            datetime.date(year, 6, 30),
            SCHOOL_YEAR_RHYTHM,
        )
        if year == last_year:
            break
        yield ("Été", datetime.date(year, 7, 1), datetime.date(year, 8, 31), SUMMER_RHYTHM)
        yield (
            "Année scolaire",
            datetime.date(year, 9, 1),
            datetime.date(year, 12, 31),
            SCHOOL_YEAR_RHYTHM,
        )


def evening_tuesdays(year: int) -> list[datetime.date]:
    """Three Tuesdays of July after the first one, public holidays (14 July) left out."""
    day = datetime.date(year, 7, 1)
    day += datetime.timedelta(days=(1 - day.weekday()) % 7 + 7)
    chosen = []
    while len(chosen) < 3:
        if not public_holiday_name(day):
            chosen.append(day)
        day += datetime.timedelta(weeks=1)
    return chosen


def festival_day(year: int) -> datetime.date:
    """The summer festival (Barlin Extrem): the first Saturday of July."""
    day = datetime.date(year, 7, 1)
    return day + datetime.timedelta(days=(5 - day.weekday()) % 7)


@stamps_public_revision
def build_planning(
    *,
    operator: Operator,
    vehicle: Vehicle,
    sites: list[Site],
    partners: list[Partner],
    agents: list,
    coordinator,
    first_year: int,
    last_year: int,
    rng: random.Random,
) -> None:
    """The demo operator's patterns, stops, rota and changes: a planning write like any other, so
    that the public copies refresh once the load commits."""
    for label, start, end, rhythm in season_ranges(first_year, last_year):
        for weekday, (start_time, end_time), site_index in rhythm:
            pattern = SchedulePattern.objects.create(
                operator=operator,
                label=f"{label} {start.year} — {sites[site_index].name}",
                vehicle=vehicle,
                site=sites[site_index],
                weekday=weekday,
                start_time=start_time,
                end_time=end_time,
                valid_from=start,
                valid_until=end,
            )
            pattern_generate(pattern=pattern, include_past=True)

    one_offs = []
    for year in range(first_year, last_year):
        for day in evening_tuesdays(year):
            one_offs.append(
                Stop(
                    operator=operator,
                    vehicle=vehicle,
                    site=sites[0],
                    date=day,
                    start_time=EVENING[0],
                    end_time=EVENING[1],
                    title="Soirée : permanence de 17 h à 20 h",
                )
            )
        one_offs.append(
            Stop(
                operator=operator,
                vehicle=vehicle,
                site=sites[3],
                date=festival_day(year),
                start_time=datetime.time(13, 0),
                end_time=datetime.time(19, 0),
                title="Festival Barlin Extrem",
            )
        )
    Stop.objects.bulk_create(one_offs)

    stops = list(Stop.objects.for_operator(operator).order_by("date", "start_time"))
    _cancel_some(stops, coordinator=coordinator, rng=rng)
    _partner_rota(operator, stops, partners, rng)
    _staff_rota(operator, stops, agents, rng)


def _cancel_some(stops: list[Stop], *, coordinator, rng: random.Random) -> None:
    """Two cancellations a year, with their reason, plus one in the coming fortnight."""
    today = timezone.localdate()
    reasons = [
        (CancelReason.BREAKDOWN, "Batterie du bus à remplacer."),
        (CancelReason.WEATHER, "Tempête annoncée, stationnement dangereux."),
        (CancelReason.STAFF_ABSENCE, "Deux agents absents (formation)."),
    ]
    by_year: dict[int, list[Stop]] = {}
    for stop in stops:
        if stop.title:
            continue
        by_year.setdefault(stop.date.year, []).append(stop)
    chosen = []
    for year_stops in by_year.values():
        chosen += rng.sample(year_stops, 2)
    soon = [
        s for s in stops if today < s.date <= today + datetime.timedelta(days=14) and not s.title
    ]
    if soon:
        chosen.append(soon[-1])
    for index, stop in enumerate(chosen):
        reason, note = reasons[index % len(reasons)]
        stop.status = StopStatus.CANCELLED
        stop.is_edited = True  # as stop_cancel does: regeneration leaves it alone
        stop.cancel_reason = reason
        stop.cancel_note = note
        stop.cancelled_by = coordinator
        stop.cancelled_at = timezone.make_aware(
            datetime.datetime.combine(
                min(stop.date, today) - datetime.timedelta(days=2), datetime.time(8, 30)
            )
        )
    Stop.objects.bulk_update(
        chosen,
        ["status", "is_edited", "cancel_reason", "cancel_note", "cancelled_by", "cancelled_at"],
    )
    StopEvent.objects.bulk_create(
        StopEvent(
            operator_id=stop.operator_id,
            stop=stop,
            kind=StopEventKind.CANCELLED,
            at=stop.cancelled_at,
            by=coordinator,
            cancel_reason=stop.cancel_reason,
            note=stop.cancel_note,
        )
        for stop in chosen
    )


def _partner_rota(operator, stops, partners, rng: random.Random) -> None:
    """Every partner comes regularly: a round robin of two partners per stop, three at events."""
    presences = []
    cursor = 0
    for stop in stops:
        count = 3 if stop.title else 2
        for offset in range(count):
            partner = partners[(cursor + offset) % len(partners)]
            presences.append(PartnerPresence(operator=operator, stop=stop, partner=partner))
        cursor = (cursor + count + rng.choice([0, 0, 1])) % len(partners)
    PartnerPresence.objects.bulk_create(presences)


def _staff_rota(operator, stops, agents, rng: random.Random) -> None:
    """Both agents on duty at each stop, but for a few stops where one was absent. Made as a
    coordinator makes it: both agents on the team of every pattern (`RotaLine`), their rows on
    the pattern's stops carrying the line, and « absent ce jour-là » (`RotaAbsence`) where the
    cyber@atelier agent was away; the one-off stops are staffed by hand."""
    reception, cyber = agents
    lines: dict[int, tuple[RotaLine, RotaLine]] = {}
    for pattern in SchedulePattern.objects.for_operator(operator):
        lines[pattern.pk] = (
            RotaLine(
                operator=operator,
                pattern=pattern,
                user=reception,
                duty_role=DutyRole.RECEPTION,
            ),
            RotaLine(operator=operator, pattern=pattern, user=cyber, duty_role=DutyRole.CYBER),
        )
    RotaLine.objects.bulk_create([line for pair in lines.values() for line in pair])
    assignments, absences = [], []
    for stop in stops:
        reception_line, cyber_line = lines.get(stop.pattern_id, (None, None))
        assignments.append(
            StaffAssignment(
                operator=operator,
                stop=stop,
                user=reception,
                duty_role=DutyRole.RECEPTION,
                rota_line=reception_line,
            )
        )
        if rng.random() > 0.04:
            assignments.append(
                StaffAssignment(
                    operator=operator,
                    stop=stop,
                    user=cyber,
                    duty_role=DutyRole.CYBER,
                    rota_line=cyber_line,
                )
            )
        elif cyber_line is not None:
            absences.append(RotaAbsence(operator=operator, stop=stop, line=cyber_line))
    StaffAssignment.objects.bulk_create(assignments)
    RotaAbsence.objects.bulk_create(absences)
