"""Visits logged after the fact: a departure at once, and times outside the stop's hours only
once the agent confirms them."""

import datetime

import pytest
from django.urls import reverse

from allervers.reception.forms import CONFIRM_OUTSIDE_HOURS
from allervers.reception.models import Visit
from tests.conftest import NOW
from tests.html import text_of
from tests.planning.factories import StopFactory
from tests.reception.conftest import visit_answers
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_stop(operator):
    """Yesterday's stop, 09:00–12:00: it is over."""
    return StopFactory(
        operator=operator,
        date=datetime.date(2026, 6, 9),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        site__name="Stade Delaune",
    )


def _post(client, stop, url=None, **extra):
    data = {"stop": stop.pk, "arrival_time": "09:30", **visit_answers(gender="male"), "note": ""}
    return client.post(url or reverse("reception:visit_create"), data | extra)


def _at(stop, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(stop.date, datetime.time(hour, minute), NOW.tzinfo)


def test_a_visit_of_a_stop_that_is_over_is_logged_with_its_departure(client, agent, past_stop):
    client.force_login(agent)
    form_page = text_of(client.get(reverse("reception:visit_create")))
    assert "Heure de départ" in form_page
    response = _post(client, past_stop, departure_time="10:15")
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (visit.arrived_at, visit.left_at) == (_at(past_stop, 9, 30), _at(past_stop, 10, 15))
    assert visit.duration_minutes == 45


@pytest.mark.parametrize(
    ("times", "named"),
    [
        ({"arrival_time": "22:42"}, "L'heure d'arrivée (22:42)"),
        ({"arrival_time": "08:00"}, "L'heure d'arrivée (08:00)"),
        ({"departure_time": "12:40"}, "L'heure de départ (12:40)"),
    ],
)
def test_a_time_outside_the_stops_hours_asks_for_a_confirmation(
    client, agent, past_stop, times, named
):
    client.force_login(agent)
    response = _post(client, past_stop, **times)
    assert response.status_code == 400
    page = text_of(response)
    assert f"{named} en dehors des horaires de la permanence (09:00–12:00)" in page
    assert CONFIRM_OUTSIDE_HOURS in page
    assert "data-confirm-hours hidden" not in response.content.decode()
    assert not Visit.objects.exists()
    confirmed = _post(client, past_stop, confirm_outside_hours="on", **times)
    assert confirmed.status_code == 302
    assert Visit.objects.count() == 1


def test_the_confirmation_is_not_asked_within_the_hours(client, agent, past_stop):
    client.force_login(agent)
    page = client.get(reverse("reception:visit_create")).content.decode()
    assert "data-confirm-hours hidden" in page  # kept hidden until needed
    assert _post(client, past_stop, arrival_time="09:00", departure_time="12:00").status_code == 302


def test_a_correction_asks_only_for_the_times_it_changes(client, agent, operator, past_stop):
    client.force_login(agent)
    visit = VisitFactory(
        operator=operator, stop=past_stop, arrived_at=_at(past_stop, 8, 30), left_at=None
    )
    url = reverse("reception:visit_edit", kwargs={"visit_id": visit.pk})
    # The arrival it had (outside the hours) is kept: no question, the departure is added.
    kept = _post(client, past_stop, url, arrival_time="08:30", departure_time="10:00", version=0)
    assert kept.status_code == 302, text_of(kept)
    visit.refresh_from_db()
    assert visit.left_at == _at(past_stop, 10)
    # A new time outside the hours is confirmed first.
    changed = _post(client, past_stop, url, arrival_time="08:30", departure_time="13:00", version=1)
    assert changed.status_code == 400
    assert "L'heure de départ (13:00)" in text_of(changed)
    visit.refresh_from_db()
    assert visit.left_at == _at(past_stop, 10)
