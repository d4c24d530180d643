"""The bookings' figures of a report (docs/indicators.md): appointments by partner and workshops
by title, for the stops of a period. SQL aggregates, three queries; a plain JSON-ready dict,
stored with a closed year like the rest of the report's figures (`reporting.queries`).

An honoured appointment is also a visit (`Appointment.visit`): the visits' figures count it once,
as a visit; these figures count appointments, never visits.
"""

import datetime

from django.db.models import Count, Q, Sum

from allervers.planning.enums import StopStatus

from .enums import AppointmentStatus, Attendance, RegistrationStatus
from .models import Appointment, Registration, Workshop

# The key of the appointments taken by the bus team itself (an opening without a partner).
TEAM = "team"
TEAM_NAME = "L'équipe du bus"
APPOINTMENT_COUNTS = ("booked", "honoured", "excused", "no_show", "pending", "cancelled")
WORKSHOP_COUNTS = ("sessions", "seats", "registered", "present", "absent", "waiting", "promoted")


def _appointment_measures() -> dict:
    status = {
        name: Count("pk", filter=Q(status=value))
        for name, value in (
            ("honoured", AppointmentStatus.HONOURED),
            ("excused", AppointmentStatus.EXCUSED),
            ("no_show", AppointmentStatus.NO_SHOW),
            # Still « réservé »: to come, or its attendance not recorded yet.
            ("pending", AppointmentStatus.BOOKED),
            ("cancelled", AppointmentStatus.CANCELLED),
        )
    }
    return {"booked": Count("pk", filter=~Q(status=AppointmentStatus.CANCELLED)), **status}


def _total(rows: list[dict], names: tuple[str, ...]) -> dict:
    return {name: sum(row[name] for row in rows) for name in names}


def appointment_figures(
    operator_id: int,
    start: datetime.date,
    end: datetime.date,
    *,
    site_id: int | None = None,
    partner_id: int | None = None,
) -> dict:
    """Appointments at the held stops from `start` to `end`, by partner (the bus team apart);
    with a site, at its stops; with a partner, its own appointments only. One query."""
    appointments = Appointment.objects.filter(
        operator_id=operator_id,
        opening__operator_id=operator_id,
        opening__stop__operator_id=operator_id,
        opening__stop__date__gte=start,
        opening__stop__date__lte=end,
        # The appointments of a cancelled stop did not happen (they are cancelled with it).
        opening__stop__status=StopStatus.HELD,
    )
    if site_id:
        appointments = appointments.filter(opening__stop__site_id=site_id)
    if partner_id:
        appointments = appointments.filter(opening__partner_id=partner_id)
    grouped = (
        appointments.values("opening__partner_id", "opening__partner__name")
        .annotate(**_appointment_measures())
        .order_by()
    )
    rows = sorted(
        (
            {
                "key": str(row.pop("opening__partner_id") or TEAM),
                "name": row.pop("opening__partner__name") or TEAM_NAME,
                **row,
            }
            for row in grouped
        ),
        key=lambda row: (row["key"] == TEAM, row["name"]),
    )
    return {"rows": rows, "total": _total(rows, APPOINTMENT_COUNTS)}


def workshop_figures(
    operator_id: int,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    *,
    site_id: int | None = None,
) -> dict:
    """The workshop sessions held from `start` to `end` (not cancelled, at a held stop whose day
    has come), by title: sessions, seats offered, seats taken, attendance, waiting list. Two
    queries."""
    held = Workshop.objects.filter(
        operator_id=operator_id,
        stop__operator_id=operator_id,
        stop__date__gte=start,
        stop__date__lte=min(end, today),
        stop__status=StopStatus.HELD,
        cancelled_at__isnull=True,
    )
    if site_id:
        held = held.filter(stop__site_id=site_id)
    sessions = {
        row["title"]: row
        for row in held.values("title")
        .annotate(sessions=Count("pk"), seats=Sum("capacity"))
        .order_by()
    }
    registered = Q(status=RegistrationStatus.REGISTERED)
    registrations = {
        row.pop("workshop__title"): row
        for row in Registration.objects.filter(operator_id=operator_id, workshop__in=held)
        .values("workshop__title")
        .annotate(
            registered=Count("pk", filter=registered),
            present=Count("pk", filter=registered & Q(attendance=Attendance.PRESENT)),
            absent=Count("pk", filter=registered & Q(attendance=Attendance.ABSENT)),
            # Still waiting when the session was held: no seat freed for them.
            waiting=Count("pk", filter=Q(status=RegistrationStatus.WAITING)),
            promoted=Count("pk", filter=registered & Q(promoted_at__isnull=False)),
        )
        .order_by()
    }
    empty = dict.fromkeys(("registered", "present", "absent", "waiting", "promoted"), 0)
    rows = [
        {
            "title": title,
            "sessions": row["sessions"],
            "seats": row["seats"] or 0,
            **registrations.get(title, empty),
        }
        for title, row in sorted(sessions.items())
    ]
    return {"rows": rows, "total": _total(rows, WORKSHOP_COUNTS)}


def booking_figures(
    operator_id: int,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    *,
    site_id: int | None = None,
    partner_id: int | None = None,
) -> dict:
    """The report's bookings: appointments, and workshops (none with a partner filter: a
    workshop is the structure's own, it has no partner)."""
    return {
        "appointments": appointment_figures(
            operator_id, start, end, site_id=site_id, partner_id=partner_id
        ),
        "workshops": None
        if partner_id
        else workshop_figures(operator_id, start, end, today, site_id=site_id),
    }
