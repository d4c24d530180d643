"""schema.org Event data (JSON-LD) for the stops shown on a public page."""

import datetime
import json
import zoneinfo

from django.utils.safestring import SafeString, mark_safe

from allervers.operators.models import Operator
from allervers.planning.models import Stop

from .feeds import change_lines
from .queries import partners_of, stop_change

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


def as_script_content(data: list[dict]) -> SafeString:
    """JSON safe inside a <script> element: '<', '>' and '&' cannot close or open a tag."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return mark_safe(text)  # escaped just above
