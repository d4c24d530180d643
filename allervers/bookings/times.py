"""Moments of bookings in the operator's time zone (a stop's date and times are local)."""

import datetime
import zoneinfo


def operator_zone(operator) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(operator.time_zone or "Europe/Paris")


def local_moment(operator, date: datetime.date, time: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(date, time, tzinfo=operator_zone(operator))


def booking_start(booking) -> datetime.datetime:
    """When an appointment or a workshop registration begins (aware)."""
    if hasattr(booking, "opening"):
        stop, time = booking.opening.stop, booking.start_time
    else:
        stop, time = booking.workshop.stop, booking.workshop.start_time
    return local_moment(booking.operator, stop.date, time)


def booking_end(booking) -> datetime.datetime:
    if hasattr(booking, "opening"):
        stop, time = booking.opening.stop, booking.end_time
    else:
        stop, time = booking.workshop.stop, booking.workshop.end_time
    return local_moment(booking.operator, stop.date, time)
