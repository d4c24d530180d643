"""The appointments' parts of other apps' pages: the « Rendez-vous » section of a stop's page
and the defaults on a partner's page (the planning and partners apps stay unaware of bookings)."""

from django import template
from django.utils import timezone

from allervers.core.roles import Role
from allervers.planning.enums import StopStatus

from .. import appointment_queries as queries
from ..appointment_forms import TEAM
from ..phones import shown_phone
from ..times import local_moment

register = template.Library()


@register.inclusion_tag("bookings/stop_appointments.html", takes_context=True)
def stop_appointments(context, stop) -> dict:
    """The stop's openings (a partner's member: its own only) and who may open more."""
    membership = context["request"].membership
    role = membership.role
    is_partner = role == Role.PARTNER
    openings = queries.stop_openings(stop, membership.partner_id if is_partner else None)
    is_open = (
        stop.status == StopStatus.HELD
        and local_moment(stop.operator, stop.date, stop.end_time) > timezone.now()
    )
    may_open = []
    if is_open and role == Role.COORDINATOR:
        taken = {opening.partner_id for opening in stop.appointment_openings.all()}
        if None not in taken:
            may_open.append((TEAM, "l'équipe du bus"))
        may_open += [
            (str(p.partner_id), p.partner.name)
            for p in stop.presences.all()
            if p.partner_id not in taken
        ]
    elif (
        is_open
        and is_partner
        and not openings
        and any(p.partner_id == membership.partner_id for p in stop.presences.all())
    ):
        may_open.append((str(membership.partner_id), membership.partner.name))
    return {
        "stop": stop,
        "openings": openings,
        "may_open": may_open,
        "is_staff": role in (Role.COORDINATOR, Role.AGENT),
        "is_partner": is_partner,
        "is_open": is_open,
    }


@register.inclusion_tag("bookings/partner_defaults.html")
def partner_booking_defaults(partner) -> dict:
    return {"partner": partner, "defaults": queries.booking_defaults(partner.operator, partner)}


@register.filter
def phone(number: str) -> str:
    """A stored number (E.164) as people write it: "+33612345678" → "06 12 34 56 78"."""
    return shown_phone(number)
