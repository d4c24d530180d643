"""Several people note the same appointment honoured at once: exactly one visit (PostgreSQL:
each attempt in its own thread and connection, see tests/concurrency.py)."""

import pytest
from django.utils import timezone

from allervers.bookings.enums import AppointmentStatus
from allervers.bookings.services import attendance
from allervers.core.roles import Role
from allervers.reception.models import Visit
from tests.bookings.factories import AppointmentFactory, AppointmentOpeningFactory
from tests.concurrency import all_at_once
from tests.planning.factories import PartnerPresenceFactory, StopFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_ten_honoured_at_once_make_one_visit(operator, make_member):
    stop = StopFactory(operator=operator, date=timezone.localdate())
    partner = PartnerPresenceFactory(stop=stop).partner
    appointment = AppointmentFactory(opening=AppointmentOpeningFactory(stop=stop, partner=partner))
    user = make_member(operator, Role.PARTNER, partner=partner)
    outcomes = all_at_once(
        [
            lambda: attendance.attendance_record(
                appointment=appointment, status="honoured", by=user, shown_status="booked"
            )
            for _ in range(10)
        ]
    )
    assert not [outcome.error for outcome in outcomes if outcome.refused]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.HONOURED
    assert Visit.objects.get() == appointment.visit
