"""Time zones in iCalendar files (RFC 5545): the VTIMEZONE a file with local times needs, made
from the zone's own transitions (the public feeds, the booking confirmations)."""

import datetime
import zoneinfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard


def _transitions(zone: zoneinfo.ZoneInfo, start: datetime.datetime, end: datetime.datetime):
    """(UTC instant, offset before, offset after) of each change of `zone`'s offset between two
    UTC instants: a day-by-day walk, each change found to the minute by bisection."""
    day, minute = datetime.timedelta(days=1), datetime.timedelta(minutes=1)
    moment, before = start, start.astimezone(zone).utcoffset()
    while moment < end:
        following = moment + day
        after = following.astimezone(zone).utcoffset()
        if after != before:
            low, high = moment, following
            while high - low > minute:
                middle = low + minute * ((high - low) // minute // 2)  # whole minutes
                if middle.astimezone(zone).utcoffset() == before:
                    low = middle
                else:
                    high = middle
            yield high, before, after
            before = after
        moment = following


def vtimezone(zone: zoneinfo.ZoneInfo, first_year: int, last_year: int) -> Timezone:
    """The zone's VTIMEZONE from the first of January of `first_year` to the end of `last_year`,
    made from the zone's own transitions.

    Each observance starts at the local time of its transition *in the offset before it*
    (RFC 5545: DTSTART is read with TZOFFSETFROM): Paris goes to summer time at 02:00 (01:00 UTC)
    on the last Sunday of March. (icalendar's `Timezone.from_tzid` writes 03:00 there, so
    parsers computed summer time an hour late.)"""
    start = datetime.datetime(first_year, 1, 1, tzinfo=datetime.UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=datetime.UTC)
    timezone = Timezone()
    timezone.add("tzid", zone.key)
    first = start.astimezone(zone)
    observances = [(start, first.utcoffset(), first.utcoffset())]
    observances += list(_transitions(zone, start, end))
    for instant, before, after in observances:
        local = instant.astimezone(zone)
        observance = TimezoneDaylight() if local.dst() else TimezoneStandard()
        observance.add("dtstart", (instant + before).replace(tzinfo=None))
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        observance.add("tzname", local.tzname())
        timezone.add_component(observance)
    return timezone
