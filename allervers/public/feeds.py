"""iCalendar feeds (RFC 5545) of an operator's stops.

- UIDs are `stop-<pk>@<operator slug>.allervers`: the same stop keeps the same UID in every
  generation, so subscribed calendars update events instead of duplicating them.
- A cancelled stop stays in the feed with STATUS:CANCELLED (and "Annulée" in its title); a
  moved or restored one says so in its description ("Déplacée : …", "Rétablie : …").
- Times are local to the operator (Europe/Paris) with the VTIMEZONE the standard requires.
- DTSTAMP and LAST-MODIFIED come from the stop's last change, and SEQUENCE grows with it: two
  generations of an unchanged planning are byte-identical (and share an ETag).
- Each workshop of a stop is an event of its own (`workshop-<pk>@…`), with its seats left in
  its description; a cancelled workshop, or one of a cancelled stop, says so (STATUS:CANCELLED).
"""

import datetime
import zoneinfo

from icalendar import Calendar, Event, vGeo

from allervers.core.icalendar_zones import vtimezone
from allervers.operators.models import Operator
from allervers.planning.models import Stop

from .queries import day_fr, partners_of, previous_start, seats_fr, stop_change

PRODID = "-//Allervers//Où est le bus ?//FR"


def stop_uid(stop: Stop, operator: Operator) -> str:
    return f"stop-{stop.pk}@{operator.slug}.allervers"


def workshop_uid(workshop, operator: Operator) -> str:
    return f"workshop-{workshop.pk}@{operator.slug}.allervers"


def _sequence(row) -> int:
    """Seconds between creation and last change (of a stop or a workshop): grows with every
    edit, 0 if never edited."""
    if row.created_at is None or row.updated_at is None:
        return 0
    return max(0, int((row.updated_at - row.created_at).total_seconds()))


def change_lines(stop: Stop) -> list[str]:
    """What a calendar's description says of a stop moved or restored."""
    change = stop_change(stop)
    if change is None:
        return []
    lines = []
    if change.moved_from:
        lines.append(f"Déplacée : ce passage était annoncé {change.moved_from.words}.")
    if change.restored:
        lines.append("Rétablie : ce passage avait été annulé, il est finalement maintenu.")
    return lines


def build_calendar(
    *,
    operator: Operator,
    stops: list[Stop],
    name: str,
    page_url: str,
    site_url_of,
    workshops: dict[int, list] | None = None,
    workshop_url_of=None,
) -> bytes:
    zone = zoneinfo.ZoneInfo(operator.time_zone or "Europe/Paris")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", zone.key)
    calendar.add("x-wr-caldesc", f"Les passages du bus : {page_url}")
    calendar.add("refresh-interval", datetime.timedelta(hours=6), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT6H")
    # The VTIMEZONE covers the years of the stops (a fixed span when there is none): the feed
    # depends on its stops only, so two generations of the same planning are identical.
    first_year = stops[0].date.year if stops else 2020
    last_year = stops[-1].date.year + 1 if stops else 2040
    calendar.add_component(vtimezone(zone, first_year, last_year))
    for stop in stops:
        site = stop.site
        event = Event()
        event.add("uid", stop_uid(stop, operator))
        event.add("dtstamp", stop.updated_at)
        event.add("last-modified", stop.updated_at)
        event.add("sequence", _sequence(stop))
        event.add("dtstart", datetime.datetime.combine(stop.date, stop.start_time, tzinfo=zone))
        event.add("dtend", datetime.datetime.combine(stop.date, stop.end_time, tzinfo=zone))
        title = stop.title or f"Le bus à {site.name}"
        if stop.is_cancelled:
            event.add("summary", f"Annulée — {title}")
            event.add("status", "CANCELLED")
        else:
            event.add("summary", title)
            event.add("status", "CONFIRMED")
        event.add("location", ", ".join(part for part in [site.name, site.full_address] if part))
        if site.latitude is not None and site.longitude is not None:
            event.add("geo", vGeo((float(site.latitude), float(site.longitude))))
        lines = []
        if stop.is_cancelled:
            lines.append(f"Annulée : {stop.get_cancel_reason_display()}.")
            if stop.cancel_note:
                lines.append(stop.cancel_note)
        lines.extend(change_lines(stop))
        partners = [partner.name for partner in partners_of(stop)]
        if partners:
            lines.append("Partenaires présents : " + ", ".join(partners) + ".")
        lines.append("Accueil gratuit, sans rendez-vous.")
        if operator.phone:
            lines.append(f"Pour prendre rendez-vous : {operator.phone}.")
        event.add("description", "\n".join(lines))
        event.add("url", site_url_of(site))
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
        for workshop in (workshops or {}).get(stop.pk, []):
            calendar.add_component(
                workshop_vevent(workshop, stop, operator=operator, zone=zone, url=workshop_url_of)
            )
    return calendar.to_ical()


def workshop_vevent(workshop, stop: Stop, *, operator: Operator, zone, url) -> Event:
    """A workshop at `stop` (read through `bookings.queries.with_seats`)."""
    site = stop.site
    cancelled = workshop.is_cancelled or stop.is_cancelled
    event = Event()
    event.add("uid", workshop_uid(workshop, operator))
    changed = max(workshop.updated_at, stop.updated_at)
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("sequence", _sequence(workshop) + _sequence(stop))
    event.add("dtstart", datetime.datetime.combine(stop.date, workshop.start_time, tzinfo=zone))
    event.add("dtend", datetime.datetime.combine(stop.date, workshop.end_time, tzinfo=zone))
    title = f"Atelier : {workshop.title}"
    event.add("summary", f"Annulé — {title}" if cancelled else title)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("location", ", ".join(part for part in [site.name, site.full_address] if part))
    if site.latitude is not None and site.longitude is not None:
        event.add("geo", vGeo((float(site.latitude), float(site.longitude))))
    lines = []
    if cancelled:
        lines.append("Annulé : l'atelier n'aura pas lieu.")
    else:
        lines.append(f"Atelier collectif gratuit, {seats_fr(workshop)}.")
        previous = previous_start(stop, workshop.start_time)
        if previous is not None:
            day, start = previous
            hour = f"{start.hour} h" + (f" {start.minute:02d}" if start.minute else "")
            lines.append(f"Déplacé : cet atelier était annoncé le {day_fr(day)} à {hour}.")
    if workshop.description:
        lines.append(workshop.description)
    if workshop.public_registration:
        lines.append("Inscription en ligne ou auprès de l'équipe du bus.")
    else:
        lines.append("Inscription auprès de l'équipe du bus.")
    if operator.phone:
        lines.append(f"Téléphone : {operator.phone}.")
    event.add("description", "\n".join(lines))
    event.add("url", url(workshop))
    event.add("transp", "TRANSPARENT")
    return event
