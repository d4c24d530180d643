"""schema.org Event data (JSON-LD) for the stops shown on a public page, and their workshops
(an Event each, whose `superEvent` is its stop's)."""

import datetime
import json
import zoneinfo

from django.utils.safestring import SafeString, mark_safe

from allervers.bookings.queries import seats_left
from allervers.operators.models import Operator
from allervers.planning.models import Stop

from .feeds import change_lines
from .queries import partners_of, previous_start, seats_fr, stop_change

SCHEDULED = "https://schema.org/EventScheduled"
CANCELLED = "https://schema.org/EventCancelled"
RESCHEDULED = "https://schema.org/EventRescheduled"


def _moment(operator: Operator, day: datetime.date, time: datetime.time) -> str:
    zone = zoneinfo.ZoneInfo(operator.time_zone or "Europe/Paris")
    return datetime.datetime.combine(day, time, tzinfo=zone).isoformat()


def stop_event(stop: Stop, *, operator: Operator, site_url: str, page_url: str) -> dict:
    site = stop.site
    place: dict = {
        "@type": "Place",
        "name": site.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": site.address,
            "postalCode": site.postcode,
            "addressLocality": site.city,
            "addressCountry": "FR",
        },
        "url": site_url,
    }
    if site.latitude is not None and site.longitude is not None:
        place["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": float(site.latitude),
            "longitude": float(site.longitude),
        }
    partners = [partner.name for partner in partners_of(stop)]
    description = " ".join([*change_lines(stop), "Accueil sans rendez-vous, gratuit."])
    if partners:
        description += " Partenaires présents : " + ", ".join(partners) + "."
    change = stop_change(stop)
    status = SCHEDULED
    if stop.is_cancelled:
        status = CANCELLED
    elif change is not None and change.moved_from is not None:
        status = RESCHEDULED
    event = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": stop.title or f"{operator.name} — {site.name}",
        "startDate": _moment(operator, stop.date, stop.start_time),
        "endDate": _moment(operator, stop.date, stop.end_time),
        "eventStatus": status,
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "isAccessibleForFree": True,
        "location": place,
        "description": description,
        "url": page_url,
        "organizer": {"@type": "Organization", "name": operator.name, "url": page_url},
    }
    if status == RESCHEDULED:
        previous = change.moved_from
        event["previousStartDate"] = _moment(operator, previous.date, previous.start_time)
    if operator.phone:
        event["organizer"]["telephone"] = operator.phone
    return event


def workshop_event(workshop, *, operator: Operator, stop_event: dict, url: str) -> dict:
    """A workshop (read through `bookings.queries.with_seats`) at the stop of `stop_event`."""
    day = workshop.stop.date
    description = f"Atelier collectif gratuit, {seats_fr(workshop)}."
    if workshop.description:
        description += " " + workshop.description
    event = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": workshop.title,
        "startDate": _moment(operator, day, workshop.start_time),
        "endDate": _moment(operator, day, workshop.end_time),
        "eventStatus": CANCELLED if workshop.is_cancelled else stop_event["eventStatus"],
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "isAccessibleForFree": True,
        "location": stop_event["location"],
        "superEvent": {
            "@type": "Event",
            "name": stop_event["name"],
            "startDate": stop_event["startDate"],
            "endDate": stop_event["endDate"],
            "location": stop_event["location"],
            "url": stop_event["url"],
        },
        "maximumAttendeeCapacity": workshop.capacity,
        "remainingAttendeeCapacity": seats_left(workshop),
        "description": description,
        "url": url,
        "organizer": stop_event["organizer"],
    }
    if workshop.topic_id:
        event["about"] = workshop.topic.name
    previous = previous_start(workshop.stop, workshop.start_time)
    if event["eventStatus"] == RESCHEDULED and previous is not None:
        event["previousStartDate"] = _moment(operator, *previous)
    return event


def as_script_content(data: list[dict]) -> SafeString:
    """JSON safe inside a <script> element: '<', '>' and '&' cannot close or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # escaped just above
