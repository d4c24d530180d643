"""Done when: the demo year generated from its patterns has exactly the expected dates.

The expected dates are computed here without the application's calendar code: Easter by the
anonymous Gregorian algorithm, the other French public holidays from their fixed dates, and a
fixed list for 2025 as a cross-check.
"""

import datetime
import random
from collections import Counter

import pytest
from django.utils import timezone

from allervers.core.roles import Role
from allervers.demo import data
from allervers.demo.loader import demo_load
from allervers.demo.planning import build_planning
from allervers.planning.models import Stop
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, VehicleFactory

pytestmark = pytest.mark.django_db

MONDAY, TUESDAY, WEDNESDAY, THURSDAY = 0, 1, 2, 3
SCHOOL_YEAR_DAYS = {MONDAY, WEDNESDAY, THURSDAY}
SUMMER_DAYS = {TUESDAY, THURSDAY}


def easter_sunday(year: int) -> datetime.date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def french_public_holidays(year: int) -> set[datetime.date]:
    easter = easter_sunday(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [easter + datetime.timedelta(days=n) for n in (1, 39, 50)]
    return {datetime.date(year, m, d) for m, d in fixed} | set(movable)


def expected_dates(year: int) -> set[datetime.date]:
    holidays = french_public_holidays(year)
    day, found = datetime.date(year, 1, 1), set()
    while day.year == year:
        summer = day.month in (7, 8)
        if day.weekday() in (SUMMER_DAYS if summer else SCHOOL_YEAR_DAYS) and day not in holidays:
            found.add(day)
        day += datetime.timedelta(days=1)
    return found


def generated_dates(operator, year: int) -> list[datetime.date]:
    return list(
        Stop.objects.for_operator(operator)
        .filter(pattern__isnull=False, date__year=year)
        .values_list("date", flat=True)
    )


def test_the_hand_computed_calendar_is_right_for_2025():
    assert easter_sunday(2025) == datetime.date(2025, 4, 20)
    assert french_public_holidays(2025) == {
        datetime.date(2025, 1, 1),
        datetime.date(2025, 4, 21),  # Easter Monday
        datetime.date(2025, 5, 1),
        datetime.date(2025, 5, 8),
        datetime.date(2025, 5, 29),  # Ascension
        datetime.date(2025, 6, 9),  # Whit Monday
        datetime.date(2025, 7, 14),
        datetime.date(2025, 8, 15),
        datetime.date(2025, 11, 1),
        datetime.date(2025, 11, 11),
        datetime.date(2025, 12, 25),
    }
    assert easter_sunday(2024) == datetime.date(2024, 3, 31)
    assert easter_sunday(2026) == datetime.date(2026, 4, 5)


def test_the_demo_year_has_exactly_the_expected_dates():
    summary = demo_load()
    year = timezone.localdate().year - 1  # the last complete year of the demo
    dates = generated_dates(summary.operator, year)
    assert len(dates) == len(set(dates)), "a date was generated twice"
    assert set(dates) == expected_dates(year)
    for holiday in french_public_holidays(year):
        assert holiday not in dates

    # Two a week in July-August, three a week otherwise (weeks without a public holiday).
    holidays = french_public_holidays(year)
    per_week: Counter = Counter(d.isocalendar()[:2] for d in dates)
    for week, count in per_week.items():
        monday = datetime.date.fromisocalendar(*week, 1)
        days = [monday + datetime.timedelta(days=n) for n in range(7)]
        if any(d in holidays or d.year != year for d in days):
            continue
        months = {d.month for d in days}
        if months <= {7, 8}:
            assert count == 2, week
        elif not months & {7, 8}:
            assert count == 3, week


def test_a_fixed_year_built_from_the_demo_patterns(operator, make_member):
    vehicle = VehicleFactory(operator=operator)
    build_planning(
        operator=operator,
        vehicle=vehicle,
        sites=[SiteFactory(operator=operator) for _ in range(4)],
        # The patterns' teams name the demo's partners.
        partners=[
            PartnerFactory(operator=operator, slug=slug, name=name)
            for slug, name, *_ in data.PARTNERS
        ],
        agents=[make_member(operator, Role.AGENT), make_member(operator, Role.AGENT)],
        coordinator=make_member(operator, Role.COORDINATOR),
        first_year=2025,
        last_year=2026,
        rng=random.Random(1),
    )
    dates = set(generated_dates(operator, 2025))
    assert dates == expected_dates(2025)
    assert len(dates) == 142  # 72 (January-June) + 18 (summer) + 52 (September-December)
    for day in ["2025-07-14", "2025-08-15", "2025-11-11", "2025-12-25", "2025-04-21"]:
        assert datetime.date.fromisoformat(day) not in dates
    # The evening Tuesdays (17h-20h) and the festival come on top of the patterns.
    one_offs = Stop.objects.for_operator(operator).filter(pattern__isnull=True, date__year=2025)
    assert sorted(s.start_time.hour for s in one_offs if s.is_evening) == [17, 17, 17]
    assert one_offs.filter(title__icontains="festival").count() == 1
