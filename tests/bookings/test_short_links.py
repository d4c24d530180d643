"""The short link an SMS carries: it leads to the booking's page; forged → 404, past → 410."""

import datetime

import pytest
from django.urls import reverse

from allervers.bookings import links
from tests.bookings.factories import AppointmentFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("factory", [AppointmentFactory, RegistrationFactory])
def test_the_short_link_leads_to_the_booking_page(client, factory):
    booking = factory()
    code = links.short_code(booking)
    assert links.booking_short_url(booking).endswith(f"/reservation/c/{code}/")
    response = client.get(reverse("public:booking_short", args=[code]))
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "public:booking_manage", args=[links.booking_token(booking)]
    )
    assert client.get(response["Location"]).status_code == 200


def test_a_forged_short_link_is_refused(client):
    booking = AppointmentFactory()
    code = links.short_code(booking)
    other = "r" + code[1:]
    wrong_secret = code[:-1] + ("A" if code[-1] != "A" else "B")
    for forged in [
        wrong_secret,
        other,
        "a0-abcdefabcdef",
        "a1-short",
        "x",
        "a99999999999999999999-" + "a" * 12,
    ]:
        response = client.get(reverse("public:booking_short", args=[forged]))
        assert response.status_code == 404
        assert "pas valable" in response.content.decode()


def test_a_past_short_link_says_so(client, clock):
    booking = AppointmentFactory()
    stop = booking.opening.stop
    clock.move_to(datetime.datetime.combine(stop.date, datetime.time(23)).astimezone())
    response = client.get(reverse("public:booking_short", args=[links.short_code(booking)]))
    assert response.status_code == 410
