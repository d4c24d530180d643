"""The `.ics` attached to a booking's e-mails (RFC 5545, iTIP RFC 5546).

One VEVENT per booking with a UID that never changes (`<kind>-<pk>@<operator>.allervers`): a
confirmation or a change is `METHOD:REQUEST` (the calendar adds or updates the event), a
cancellation `METHOD:CANCEL` with the same UID (the calendar removes it). SEQUENCE grows with
every e-mail of the booking, as iTIP requires for an update. Times are local to the operator,
with their VTIMEZONE."""

import datetime

from icalendar import Calendar, Event, vCalAddress

from allervers.core.icalendar_zones import vtimezone

from .times import booking_end, booking_start, operator_zone

PRODID = "-//Allervers//Rendez-vous du bus//FR"


def booking_uid(booking) -> str:
    kind = "appointment" if hasattr(booking, "opening") else "registration"
    return f"{kind}-{booking.pk}@{booking.operator.slug}.allervers"


def booking_calendar(
    booking,
    *,
    method: str,
    summary: str,
    location: str,
    sequence: int,
    now: datetime.datetime,
) -> bytes:
    """The calendar file of `booking`; `method` is "REQUEST" or "CANCEL"."""
    operator = booking.operator
    zone = operator_zone(operator)
    start = booking_start(booking).astimezone(zone)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    calendar.add_component(vtimezone(zone, start.year, start.year))
    event = Event()
    event.add("uid", booking_uid(booking))
    event.add("dtstamp", now)
    event.add("sequence", max(0, sequence))
    event.add("dtstart", start)
    event.add("dtend", booking_end(booking).astimezone(zone))
    event.add("summary", summary)
    event.add("location", location)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    if operator.email:
        organizer = vCalAddress(f"mailto:{operator.email}")
        organizer.params["cn"] = operator.name
        event.add("organizer", organizer)
    if booking.email:
        attendee = vCalAddress(f"mailto:{booking.email}")
        attendee.params["role"] = "REQ-PARTICIPANT"
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()
