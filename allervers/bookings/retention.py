"""Retention of the contact details of bookings (issue 13 point 8, docs/privacy.md).

A booking made for someone who is not a followed person keeps a first name, a phone number and
an e-mail address only to confirm, remind and tell of changes. `ALLERVERS_BOOKING_CONTACT_DAYS`
days after the appointment or the workshop, they are erased (the booking stays, anonymous, for
the figures) and `contact_erased_at` says when. Run by the daily `privacy_sweep`."""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import Appointment, Registration


def booking_contacts_erase(*, now: datetime.datetime | None = None) -> int:
    """Erase the contact details due; returns how many bookings lost them. Running it twice in
    a row changes nothing the second time."""
    now = now or timezone.now()
    last_day = timezone.localdate(now) - datetime.timedelta(
        days=settings.ALLERVERS_BOOKING_CONTACT_DAYS
    )
    erased = {"first_name": "", "phone": "", "email": "", "contact_erased_at": now}
    due = {"person__isnull": True, "contact_erased_at__isnull": True}
    count = Appointment.objects.filter(opening__stop__date__lte=last_day, **due).update(**erased)
    count += Registration.objects.filter(workshop__stop__date__lte=last_day, **due).update(**erased)
    return count
