"""Calendar arithmetic shared by the retention rules."""

import calendar
import datetime


def months_before(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same wall-clock instant `months` calendar months earlier; the day is clamped to the
    month's last day (31 March minus one month is 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def months_after(moment: datetime.datetime, months: int) -> datetime.datetime:
    """The same wall-clock instant `months` calendar months later (the day clamped likewise)."""
    return months_before(moment, -months)
