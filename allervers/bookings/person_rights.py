"""A followed person's bookings and their rights (issue 12): what the access export lists, and
what an erasure or an anonymisation removes.

A booking keeps its place, date and status (the report's figures count it), but once its person
is erased nothing in it points at them: the link to the person, the first name, the phone and the
e-mail go, and the booking's link stops working (a new secret)."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import Appointment, Registration, new_secret


def _of_person(model, operator_id: int, person_id: int) -> QuerySet:
    return model.objects.filter(operator_id=operator_id, person_id=person_id)


def person_bookings(operator_id: int, person_id: int) -> list[dict]:
    """The person's appointments and workshop registrations, by date: what, when, where, with
    whom, status (two queries)."""
    appointments = _of_person(Appointment, operator_id, person_id).select_related(
        "opening__stop__site", "opening__partner", "topic"
    )
    registrations = _of_person(Registration, operator_id, person_id).select_related(
        "workshop__stop__site"
    )
    rows = [
        {
            "kind": "Rendez-vous",
            "date": appointment.opening.stop.date,
            "time": appointment.start_time,
            "site": appointment.opening.stop.site.name,
            "with": appointment.opening.who,
            "topic": appointment.topic.name if appointment.topic_id else "",
            "status": appointment.get_status_display(),
            "booked_at": timezone.localtime(appointment.created_at),
            "source": appointment.get_source_display(),
        }
        for appointment in appointments
    ] + [
        {
            "kind": "Atelier",
            "date": registration.workshop.stop.date,
            "time": registration.workshop.start_time,
            "site": registration.workshop.stop.site.name,
            "with": registration.workshop.title,
            "topic": "",
            "status": registration.get_status_display()
            + (
                f" ({registration.get_attendance_display().lower()})"
                if registration.attendance
                else ""
            ),
            "booked_at": timezone.localtime(registration.created_at),
            "source": registration.get_source_display(),
        }
        for registration in registrations
    ]
    return sorted(rows, key=lambda row: (row["date"], row["time"], row["kind"]))


def person_bookings_erase(
    *, operator_id: int, person_id: int, now: datetime.datetime | None = None
) -> int:
    """Detach the person's bookings from them and erase their contact details (inside the
    caller's transaction: the person's anonymisation). Returns how many bookings."""
    now = now or timezone.now()
    erased = {
        "person": None,
        "first_name": "",
        "phone": "",
        "email": "",
        "contact_consent": False,
        "contact_erased_at": now,
        "secret": new_secret(),  # the booking's link no longer works
    }
    return sum(
        _of_person(model, operator_id, person_id).update(**erased)
        for model in (Appointment, Registration)
    )
