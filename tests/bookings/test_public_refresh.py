"""The residents' cached pages follow the appointments at once: opening a stop to appointments
shows its « Prendre rendez-vous » link, and the last slot taken removes it, without waiting for
the cache to expire (the booking services are planning writes)."""

import datetime

import pytest
from django.urls import reverse

from allervers.bookings.services import appointments, contacts
from tests.planning.factories import PartnerPresenceFactory, future_stop

pytestmark = pytest.mark.django_db


def _booking_links(client, operator) -> int:
    page = client.get(reverse("public:operator", args=[operator.slug])).content.decode()
    return page.count("?passage=")


def test_opening_and_filling_a_stop_refresh_the_public_page(
    client, operator, django_capture_on_commit_callbacks
):
    stop = future_stop(operator=operator, start_time=datetime.time(9), end_time=datetime.time(12))
    presence = PartnerPresenceFactory(stop=stop)
    assert _booking_links(client, operator) == 0  # now cached
    with django_capture_on_commit_callbacks(execute=True):
        opening = appointments.opening_create(
            stop=stop,
            partner=presence.partner,
            start_time=datetime.time(9),
            end_time=datetime.time(9, 30),
            slot_minutes=30,
        )
    assert _booking_links(client, operator) == 1
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_book(
            opening=opening,
            start_time=datetime.time(9),
            contact=contacts.Contact(first_name="Nadia", phone="06 12 34 56 78"),
        )
    assert _booking_links(client, operator) == 0
