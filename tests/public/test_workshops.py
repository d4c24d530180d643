"""Workshops in the public outputs: under their stop on the pages and the widget, in the feeds,
the JSON-LD and the API, with the seats left — fresh after each registration (the cache)."""

import datetime
import json
import re

import icalendar
import pytest

from allervers.bookings.enums import RegistrationStatus
from allervers.bookings.services import contacts, workshops
from tests.bookings.factories import RegistrationFactory, WorkshopFactory
from tests.html import text_of
from tests.reception.factories import TopicFactory

pytestmark = pytest.mark.django_db

LINE = "Atelier : Atelier CV, de 9 h à 11 h, 3 places restantes"


@pytest.fixture
def workshop(planning):
    stop = planning["stops"]["next"]
    return WorkshopFactory(
        stop=stop,
        start_time=datetime.time(9),
        end_time=datetime.time(11),
        capacity=4,
        description="Apportez votre CV.",
        topic=TopicFactory(operator=stop.operator, name="Emploi"),
    )


@pytest.fixture
def booked(workshop):
    RegistrationFactory(workshop=workshop)
    RegistrationFactory(workshop=workshop, status=RegistrationStatus.CANCELLED)
    return workshop


@pytest.fixture
def hidden(planning):
    """A cancelled workshop, and one at a cancelled stop: the pages show neither."""
    WorkshopFactory(
        stop=planning["stops"]["later"],
        title="Atelier annulé",
        cancelled_at=datetime.datetime.now(datetime.UTC),
    )
    return WorkshopFactory(stop=planning["stops"]["cancelled"], title="Atelier du jour annulé")


def test_the_pages_and_the_widget_show_the_workshop_under_its_stop(
    client, planning, booked, hidden
):
    link = f'href="/ccas-test/ateliers/{booked.pk}/"'
    for url in ("/ccas-test/", "/ccas-test/lieux/place-du-regain/", "/ccas-test/widget/"):
        text = text_of(client.get(url))
        assert LINE in text and link in text, url
        assert "Atelier annulé" not in text and "Atelier du jour annulé" not in text, url
    page = text_of(client.get("/ccas-test/"))
    article = page.split(f'id="stop-{booked.stop_id}"')[1].split("</article>")[0]
    assert LINE in article


def test_a_full_workshop_says_so(client, workshop):
    RegistrationFactory.create_batch(4, workshop=workshop)
    assert "Atelier : Atelier CV, de 9 h à 11 h, complet (liste d'attente)" in text_of(
        client.get("/ccas-test/")
    )


def test_a_registration_shows_at_once_on_the_cached_page(
    client, workshop, django_capture_on_commit_callbacks
):
    assert "4 places restantes" in text_of(client.get("/ccas-test/"))
    assert "4 places restantes" in text_of(client.get("/ccas-test/"))  # now from the cache
    with django_capture_on_commit_callbacks(execute=True):
        registration = workshops.registration_create(
            workshop=workshop, contact=contacts.Contact(first_name="Nadia", phone="0612345678")
        )
    assert "3 places restantes" in text_of(client.get("/ccas-test/"))
    with django_capture_on_commit_callbacks(execute=True):
        workshops.registration_cancel(registration)
    assert "4 places restantes" in text_of(client.get("/ccas-test/"))
    with django_capture_on_commit_callbacks(execute=True):
        workshops.workshop_cancel(workshop=workshop)
    assert "Atelier CV" not in text_of(client.get("/ccas-test/"))


def test_the_feed_has_an_event_per_workshop_cancelled_ones_said(client, planning, booked, hidden):
    calendar = icalendar.Calendar.from_ical(client.get("/ccas-test/agenda.ics").content)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    event = events[f"workshop-{booked.pk}@ccas-test.allervers"]
    assert str(event["SUMMARY"]) == "Atelier : Atelier CV"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART").hour == 9 and event.decoded("DTEND").hour == 11
    assert "3 places restantes" in str(event["DESCRIPTION"])
    assert str(event["URL"]).endswith(f"/ccas-test/ateliers/{booked.pk}/")
    cancelled = [e for e in events.values() if "annulé" in str(e["SUMMARY"])]
    assert len(cancelled) == 2
    assert all(str(e["STATUS"]) == "CANCELLED" for e in cancelled)
    site_feed = icalendar.Calendar.from_ical(
        client.get("/ccas-test/lieux/place-du-regain/agenda.ics").content
    )
    assert f"workshop-{booked.pk}@ccas-test.allervers" in {
        str(e["UID"]) for e in site_feed.walk("VEVENT")
    }
    partner_feed = client.get("/ccas-test/partenaires/mission-locale/agenda.ics").content
    assert b"workshop-" not in partner_feed


def test_json_ld_describes_the_workshop_as_an_event_of_its_stop(client, booked):
    html = client.get("/ccas-test/").content.decode()
    data = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html).group(1)
    events = json.loads(data)
    workshop = next(event for event in events if event.get("superEvent"))
    stop = next(
        event for event in events if event["startDate"] == workshop["superEvent"]["startDate"]
    )
    assert workshop["@type"] == "Event" and workshop["name"] == "Atelier CV"
    assert workshop["maximumAttendeeCapacity"] == 4
    assert workshop["remainingAttendeeCapacity"] == 3
    assert workshop["eventStatus"] == "https://schema.org/EventScheduled"
    assert workshop["location"] == stop["location"]
    assert workshop["superEvent"]["name"] == stop["name"]
    assert workshop["startDate"].startswith(f"{booked.stop.date.isoformat()}T09:00:00+0")
    assert workshop["about"] == "Emploi"
    assert workshop["url"].endswith(f"/ccas-test/ateliers/{booked.pk}/")


def test_the_api_gives_each_stops_workshops_with_seats_left(client, planning, booked, hidden):
    data = client.get("/api/v1/operators/ccas-test/stops").json()
    by_id = {stop["id"]: stop for stop in data["results"]}
    (workshop,) = by_id[booked.stop_id]["workshops"]
    assert workshop["title"] == "Atelier CV" and workshop["theme"] == "Emploi"
    assert (workshop["capacity"], workshop["seats_left"], workshop["waiting_list"]) == (4, 3, False)
    assert (workshop["start_time"], workshop["end_time"]) == ("09:00", "11:00")
    assert workshop["public_url"].endswith(f"/ccas-test/ateliers/{booked.pk}/")
    assert by_id[planning["stops"]["later"].pk]["workshops"] == []
    assert by_id[planning["stops"]["cancelled"].pk]["workshops"] == []
    schema = client.get("/api/v1/openapi.json").json()
    assert "WorkshopOut" in schema["components"]["schemas"]


def test_the_workshop_page_answers_for_its_operator_only(client, booked, other_operator):
    assert "Atelier CV" in text_of(client.get(f"/ccas-test/ateliers/{booked.pk}/"))
    assert client.get(f"/{other_operator.slug}/ateliers/{booked.pk}/").status_code == 404
    assert client.get("/ccas-test/ateliers/999999/").status_code == 404
