"""A coordinator reads the year's appointments and workshops in the report."""

import datetime

import pytest
from django.utils import timezone

from allervers.bookings.enums import AppointmentStatus, Attendance, RegistrationStatus
from allervers.core.roles import Role
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.browser.conftest import assert_accessible, log_in
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_reads_the_appointments_and_workshops(
    live_server, page, operator, make_member
):
    coordinator = make_member(operator, Role.COORDINATOR)
    year = timezone.localdate().year - 1
    stop = StopFactory(operator=operator, date=datetime.date(year, 3, 10))
    opening = AppointmentOpeningFactory(
        stop=stop, partner=PartnerFactory(operator=operator, name="Mission locale")
    )
    for status in [AppointmentStatus.HONOURED] * 6 + [AppointmentStatus.NO_SHOW] * 2:
        AppointmentFactory(opening=opening, status=status)
    workshop = WorkshopFactory(stop=stop, title="Atelier CV", capacity=8)
    RegistrationFactory.create_batch(
        6, workshop=workshop, status=RegistrationStatus.REGISTERED, attendance=Attendance.PRESENT
    )

    log_in(page, live_server.url, coordinator, "/bilan/")
    page.get_by_role("heading", level=2, name="Rendez-vous et ateliers collectifs").wait_for()
    appointments = page.get_by_role("table", name=f"Rendez-vous par partenaire : année {year}")
    row = appointments.get_by_role("row", name="Mission locale")
    assert row.get_by_role("cell").all_inner_texts()[:2] == ["8", "6"]
    assert "25\xa0%" in row.inner_text()  # 2 no-shows of 8 honoured or not
    workshops = page.get_by_role("table", name=f"Ateliers collectifs par intitulé : année {year}")
    assert "75\xa0%" in workshops.get_by_role("row", name="Atelier CV").inner_text()  # 6 of 8
    # A definition opens from the keyboard.
    page.locator("summary", has_text="Définition : Rendez-vous par partenaire").focus()
    page.keyboard.press("Enter")
    assert page.get_by_text("il compte une seule fois dans les visites").first.is_visible()
    assert_accessible(page)
