"""The demo year's planning: weekly patterns per season, one-off stops, rota, cancellations."""

import datetime
import random

from django.utils import timezone

from allervers.core.revision import stamps_public_revision
from allervers.operators.models import Membership, Operator
from allervers.partners.models import Partner
from allervers.planning.calendars import public_holiday_name
from allervers.planning.enums import CancelReason, DutyRole, StopEventKind, StopStatus
from allervers.planning.models import (
    PartnerPresence,
    RotaLine,
    SchedulePattern,
    Site,
    StaffAssignment,
    Stop,
    StopEvent,
    Vehicle,
)
from allervers.planning.services import (
    pattern_generate,
    presence_declare,
    presence_withdraw,
    rota_apply,
    rota_line_save,
    staff_assign,
    staff_unassign,
)

MORNING = (datetime.time(9, 0), datetime.time(12, 0))
AFTERNOON = (datetime.time(14, 0), datetime.time(17, 0))
EVENING = (datetime.time(17, 0), datetime.time(20, 0))

# (weekday, hours, site index): three a week in the school year, two in July-August.
SCHOOL_YEAR_RHYTHM = [(0, MORNING, 0), (2, AFTERNOON, 1), (3, MORNING, 2)]
SUMMER_RHYTHM = [(1, MORNING, 3), (3, MORNING, 0)]

# Who comes with each pattern (partner slugs, in the order of the rhythm's sessions). The teams
# change with the school year (two alternating teams: the one of a school year starting in an
# even year, then the other); the summer has its own. The bookable partners (France Travail,
# the Mission locale, the Département) keep their session all year round.
SCHOOL_YEAR_TEAMS = (
    [("france-travail", "ccas"), ("mission-locale", "plie"), ("departement", "inter-insert")],
    [
        ("france-travail", "bge"),
        ("mission-locale", "agglomeration"),
        ("departement", "proch-emploi"),
    ],
)
SUMMER_TEAM = [("proch-emploi", "bge"), ("agglomeration", "ccas")]
# The one-off evenings and festival: three partners set on the stop by hand, in turn.
EVENT_TEAMS = [("ccas", "inter-insert", "plie"), ("agglomeration", "bge", "proch-emploi")]


def season_ranges(first_year: int, last_year: int):
    """(label, start, end, rhythm, teams) from 1 January of first_year to 30 June of last_year."""
    for year in range(first_year, last_year + 1):
        yield (
            "Année scolaire",
            datetime.date(year, 1, 1),
            datetime.date(year, 6, 30),
            SCHOOL_YEAR_RHYTHM,
            SCHOOL_YEAR_TEAMS[(year - 1) % 2],
        )
        if year == last_year:
            break
        yield (
            "Été",
            datetime.date(year, 7, 1),
            datetime.date(year, 8, 31),
            SUMMER_RHYTHM,
            SUMMER_TEAM,
        )
        yield (
            "Année scolaire",
            datetime.date(year, 9, 1),
            datetime.date(year, 12, 31),
            SCHOOL_YEAR_RHYTHM,
            SCHOOL_YEAR_TEAMS[year % 2],
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
    """The demo operator's patterns, stops, rota and changes, made as a coordinator makes them:
    each weekly pattern with its team (two partners, both agents: `RotaLine`), its stops
    generated and given that team (the past ones too, as a history entry), the one-off evenings
    staffed by hand; then a few cancellations and a few exceptions set stop by stop (a partner
    « absent ce jour-là » replaced by another, an agent away and another one on duty). A planning
    write like any other, so that the public copies refresh once the load commits."""
    by_slug = {partner.slug: partner for partner in partners}
    reception, cyber = agents
    for label, start, end, rhythm, teams in season_ranges(first_year, last_year):
        for (weekday, (start_time, end_time), site_index), team in zip(rhythm, teams, strict=True):
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
            for slug in team:
                line = RotaLine(operator=operator, pattern=pattern, partner=by_slug[slug])
                rota_line_save(line=line)
            for user, duty in ((reception, DutyRole.RECEPTION), (cyber, DutyRole.CYBER)):
                line = RotaLine(operator=operator, pattern=pattern, user=user, duty_role=duty)
                rota_line_save(line=line)
            pattern_generate(pattern=pattern, include_past=True, by=coordinator)
            rota_apply(pattern=pattern, by=coordinator, include_past=True)

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
    acting = Membership.objects.get(operator=operator, user=coordinator)
    _partner_exceptions(operator, stops, by_slug, acting, rng)
    _staff_exceptions(operator, stops, agents, coordinator, rng)


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


def _partner_exceptions(operator, stops, partners: dict[str, Partner], acting, rng) -> None:
    """The one-off stops get three partners by hand, in turn. On about one regular stop in
    twelve, one partner of the pattern's team is « absent ce jour-là » and another partner comes
    instead, both set on the stop as a coordinator does (`presence_withdraw`, then
    `presence_declare`): every stop keeps two partners. One draw a stop, as the round robin that
    made the demo's rota before drew, so that the rest of the demo (visits, people) is the
    same."""
    events = []
    replacements = [slug for team in EVENT_TEAMS for slug in team]
    ordinals: dict[int, int] = {}
    for stop in stops:
        draw = rng.choice([0, 0, 1])
        if stop.pattern_id is None:
            team = EVENT_TEAMS[len(events) % len(EVENT_TEAMS)]
            events += [
                PartnerPresence(operator=operator, stop=stop, partner=partners[slug])
                for slug in team
            ]
            continue
        ordinal = ordinals[stop.pattern_id] = ordinals.get(stop.pattern_id, -1) + 1
        if draw == 0 or ordinal % 4 != 1 or stop.is_cancelled:
            continue
        present = list(stop.presences.select_related("partner").order_by("partner__name"))
        away = present[ordinal // 4 % len(present)]
        taken = {presence.partner.slug for presence in present}
        instead = next(
            slug
            for slug in replacements[ordinal % len(replacements) :] + replacements
            if slug not in taken
        )
        presence_withdraw(presence=away, acting=acting)
        presence_declare(stop=stop, partner=partners[instead], acting=acting)
    PartnerPresence.objects.bulk_create(events)


def _staff_exceptions(operator, stops, agents, coordinator, rng: random.Random) -> None:
    """Both agents are on duty at each stop (the patterns' team; the one-off stops are staffed by
    hand), but for a few stops where the cyber@atelier agent was away (« absent ce jour-là »,
    `staff_unassign`); on every other one of those, the coordinator took the post instead."""
    reception, cyber = agents
    by_hand, away = [], 0
    for stop in stops:
        present = rng.random() > 0.04
        if stop.pattern_id is None:
            by_hand.append(
                StaffAssignment(
                    operator=operator, stop=stop, user=reception, duty_role=DutyRole.RECEPTION
                )
            )
            if present:
                by_hand.append(
                    StaffAssignment(
                        operator=operator, stop=stop, user=cyber, duty_role=DutyRole.CYBER
                    )
                )
            continue
        if present:
            continue
        assignment = stop.staff_assignments.filter(user=cyber).first()
        if assignment is None:  # a cancelled stop generated after the rota: nobody to take off
            continue
        staff_unassign(assignment=assignment, by=coordinator)
        away += 1
        if away % 2 == 0 and not stop.is_cancelled:
            staff_assign(stop=stop, user=coordinator, duty_role=DutyRole.CYBER)
    StaffAssignment.objects.bulk_create(by_hand)
