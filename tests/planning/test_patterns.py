"""Generating stops from a pattern: holidays skipped, idempotent, hands off edited stops."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from allervers.planning import services
from allervers.planning.enums import CancelReason, StopStatus
from allervers.planning.models import Stop
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    StopFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _before_spring_2025(clock):
    """These patterns are still to come: generation leaves past dates out (test_rota.py)."""
    clock.move_to(datetime.datetime(2025, 3, 1, 10, tzinfo=datetime.UTC))


# Mondays of spring 2025 (the range holds Easter Monday 21 April and Whit Monday 9 June).
SPRING = {
    "weekday": 0,
    "valid_from": datetime.date(2025, 4, 1),
    "valid_until": datetime.date(2025, 6, 30),
}


def mondays(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    day = start + datetime.timedelta(days=(0 - start.weekday()) % 7)
    found = []
    while day <= end:
        found.append(day)
        day += datetime.timedelta(days=7)
    return found


def test_public_holidays_are_skipped_with_their_name(operator):
    pattern = SchedulePatternFactory(operator=operator, **SPRING)
    plan = services.pattern_preview(pattern=pattern)
    skipped = {s.date: s.reason for s in plan.skipped}
    assert skipped == {
        datetime.date(2025, 4, 21): "jour férié (Lundi de Pâques)",
        datetime.date(2025, 6, 9): "jour férié (Lundi de Pentecôte)",
    }
    expected = [d for d in mondays(SPRING["valid_from"], SPRING["valid_until"]) if d not in skipped]
    assert plan.to_create == expected
    assert not Stop.objects.exists()  # a preview saves nothing


def test_school_holidays_of_zone_b_are_skipped_when_asked(operator):
    # Zone B spring holidays 2025: 5 to 22 April (Mondays 7 and 14 April, Easter Monday apart).
    pattern = SchedulePatternFactory(
        operator=operator, skip_school_holidays=True, school_zone="B", **SPRING
    )
    plan = services.pattern_preview(pattern=pattern)
    school = sorted(s.date for s in plan.skipped if s.reason == "vacances scolaires")
    assert school[:2] == [datetime.date(2025, 4, 7), datetime.date(2025, 4, 14)]
    assert datetime.date(2025, 4, 28) in plan.to_create


def test_generating_twice_changes_nothing(operator):
    pattern = SchedulePatternFactory(operator=operator, **SPRING)
    first = services.pattern_generate(pattern=pattern)
    snapshot = list(Stop.objects.order_by("date").values())
    second = services.pattern_generate(pattern=pattern)
    assert len(first.to_create) == 11 and second.to_create == []
    assert sorted(second.existing) == first.to_create
    assert list(Stop.objects.order_by("date").values()) == snapshot


def test_regeneration_leaves_moved_cancelled_and_staffed_stops_alone(operator):
    pattern = SchedulePatternFactory(operator=operator, **SPRING)
    services.pattern_generate(pattern=pattern)
    stops = list(Stop.objects.order_by("date"))
    moved, cancelled, with_partner = stops[0], stops[1], stops[2]
    services.stop_move(
        stop=moved,
        site=moved.site,
        date=moved.date + datetime.timedelta(days=1),
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        by=None,
    )
    services.stop_cancel(stop=cancelled, reason=CancelReason.WEATHER, note="", by=None)
    PartnerPresenceFactory(stop=with_partner, operator=operator)
    before = {stop.pk: stop for stop in Stop.objects.all()}

    plan = services.pattern_generate(pattern=pattern)

    assert plan.to_create == []
    after = {stop.pk: stop for stop in Stop.objects.all()}
    assert after.keys() == before.keys()  # nothing recreated at the moved stop's old date
    for pk, stop in after.items():
        assert (stop.date, stop.start_time, stop.status, stop.updated_at) == (
            before[pk].date,
            before[pk].start_time,
            before[pk].status,
            before[pk].updated_at,
        )
    assert after[cancelled.pk].status == StopStatus.CANCELLED
    assert after[with_partner.pk].presences.count() == 1


def test_a_date_where_the_bus_is_already_elsewhere_is_skipped(operator):
    pattern = SchedulePatternFactory(operator=operator, **SPRING)
    festival = StopFactory(
        operator=operator,
        vehicle=pattern.vehicle,
        date=datetime.date(2025, 5, 5),
        start_time=datetime.time(10),
        end_time=datetime.time(18),
    )
    plan = services.pattern_generate(pattern=pattern)
    assert festival.date not in plan.to_create
    assert Stop.objects.filter(date=festival.date).count() == 1


def test_a_pattern_on_an_archived_site_generates_nothing(operator):
    pattern = SchedulePatternFactory(operator=operator, site__is_archived=True, **SPRING)
    with pytest.raises(ValidationError, match="archivé"):
        services.pattern_generate(pattern=pattern)
    assert not Stop.objects.exists()
