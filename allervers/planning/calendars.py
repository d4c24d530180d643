"""French calendars: month and day names, public holidays and school holidays."""

import datetime
from functools import lru_cache

import holidays
from vacances_scolaires_france import SchoolHolidayDates, UnsupportedYearException

MONTH_NAMES = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
WEEKDAY_NAMES = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def month_label(year: int, month: int) -> str:
    """'mars 2026': the way every page, report and flyer names a month."""
    return f"{MONTH_NAMES[month - 1]} {year}"


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict[datetime.date, str]:
    """Metropolitan France's public holidays of `year`, with their French names."""
    return dict(holidays.France(years=year, language="fr").items())


def public_holiday_name(day: datetime.date) -> str | None:
    return public_holidays(day.year).get(day)


@lru_cache(maxsize=1)
def _school_holiday_dates() -> SchoolHolidayDates:
    return SchoolHolidayDates()


@lru_cache(maxsize=256)
def _school_holidays_of_year(year: int, zone: str) -> frozenset[datetime.date]:
    try:
        days = _school_holiday_dates().holidays_for_year_and_zone(year, zone)
    except UnsupportedYearException:
        return frozenset()
    return frozenset(days)


def is_school_holiday(day: datetime.date, zone: str) -> bool:
    """Whether `day` is in the school holidays of `zone` (A, B or C); False when unknown."""
    return day in _school_holidays_of_year(day.year, zone)
