import pytest

from allervers.bookings.enums import MessageStatus
from allervers.bookings.models import BookingMessage
from tests.bookings.factories import AppointmentFactory
from tests.browser.conftest import assert_accessible, log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_coordinator_finds_the_messages_that_failed(live_server, page, operator, coordinator):
    BookingMessage.objects.create(
        operator=operator,
        booking_kind="appointment",
        booking_id=AppointmentFactory(operator=operator).pk,
        event="appointment_booked",
        channel="sms",
        status=MessageStatus.FAILED,
        error="Numéro refusé par le fournisseur",
    )
    log_in(page, live_server.url, coordinator, "/structure/reglages/")
    page.get_by_role("link", name="État du service").click()
    page.get_by_role("heading", name="État du service", level=1).wait_for()
    assert "Numéro refusé par le fournisseur" in page.get_by_role("table").inner_text()
    assert_accessible(page)
