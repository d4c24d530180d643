"""A moved or restored stop says so everywhere the public reads it: the page, the site pages
(the old site's page says where it went), the widget, the feeds, JSON-LD and the API."""

import datetime
import json
import re

import icalendar
import pytest

from allervers.planning import services
from allervers.planning.enums import CancelReason
from allervers.public.queries import day_fr
from tests.html import text_of

from .conftest import in_days


@pytest.fixture
def moved(planning, coordinator):
    """The stop of tomorrow at Place du Regain, 9 h–12 h, moved to École Jules Ferry in 2 days,
    14 h–16 h 30."""
    stop = planning["stops"]["next"]
    return services.stop_move(
        stop=stop,
        site=planning["sites"]["ecole"],
        date=in_days(2),
        start_time=datetime.time(14),
        end_time=datetime.time(16, 30),
        by=coordinator,
    )


@pytest.fixture
def restored(planning, coordinator):
    """The stop of next week at École Jules Ferry, cancelled then restored."""
    stop = planning["stops"]["later"]
    services.stop_cancel(stop=stop, reason=CancelReason.WEATHER, by=coordinator)
    return services.stop_restore(stop=stop, by=coordinator)


def article_of(text: str, stop) -> str:
    return text.split(f'aria-labelledby="stop-{stop.pk}"')[1].split("</article>")[0]


def json_ld(response) -> list[dict]:
    html = response.content.decode()
    match = re.search(r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', html)
    return json.loads(match.group(1))


def feed_event(client, url: str, stop):
    calendar = icalendar.Calendar.from_ical(client.get(url).content)
    uid = f"stop-{stop.pk}@ccas-test.allervers"
    return next(event for event in calendar.walk("VEVENT") if str(event["UID"]) == uid)


def old_slot_words() -> str:
    day = in_days(1)
    return f"{day_fr(day)} de 9 h à 12 h, Place du Regain"


def test_the_page_says_a_stop_was_moved_and_where_it_was_announced(client, moved):
    text = text_of(client.get("/ccas-test/"))
    article = article_of(text, moved)
    assert "Déplacée" in article
    assert f"Ce passage était annoncé {old_slot_words()}." in article
    assert "de 14 h à 16 h 30" in article


def test_the_old_sites_page_says_where_the_stop_went(client, moved):
    text = text_of(client.get("/ccas-test/lieux/place-du-regain/"))
    moved_away = text.split('class="stop moved-away"')[1].split("</article>")[0]
    assert day_fr(in_days(1)).capitalize() + ", de 9 h à 12 h" in moved_away
    assert f"Déplacée : École Jules Ferry, {day_fr(in_days(2))} de 14 h à 16 h 30." in moved_away
    # The new site's page lists it as a moved stop of its own.
    new_site = text_of(client.get("/ccas-test/lieux/ecole-jules-ferry/"))
    assert "Déplacée" in article_of(new_site, moved)


def test_a_stop_moved_back_where_it_was_announced_is_not_moved(
    client, moved, planning, coordinator
):
    services.stop_move(
        stop=moved,
        site=planning["sites"]["regain"],
        date=in_days(1),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        by=coordinator,
    )
    assert "Déplacée" not in text_of(client.get("/ccas-test/"))
    assert "moved-away" not in text_of(client.get("/ccas-test/lieux/place-du-regain/"))


def words_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_widget_says_moved_and_restored(client, moved, restored):
    text = words_of(text_of(client.get("/ccas-test/widget/")))
    assert f"Déplacée annoncée avant {old_slot_words()}" in text
    assert "Rétablie finalement maintenue" in text


def test_the_feed_describes_the_move(client, moved):
    for url in ("/ccas-test/agenda.ics", "/ccas-test/lieux/ecole-jules-ferry/agenda.ics"):
        event = feed_event(client, url, moved)
        assert event["STATUS"] == "CONFIRMED"
        assert f"Déplacée : ce passage était annoncé {old_slot_words()}." in str(
            event["DESCRIPTION"]
        )


def test_json_ld_gives_event_rescheduled_and_the_previous_start(client, moved):
    for url in ("/ccas-test/", "/ccas-test/lieux/ecole-jules-ferry/"):
        events = json_ld(client.get(url))
        event = next(e for e in events if e["location"]["name"] == "École Jules Ferry")
        assert event["eventStatus"] == "https://schema.org/EventRescheduled"
        assert event["startDate"] == f"{in_days(2).isoformat()}T14:00:00+02:00"
        assert event["previousStartDate"] == f"{in_days(1).isoformat()}T09:00:00+02:00"
        assert event["description"].startswith("Déplacée : ")


def test_a_restored_stop_says_so_on_the_page_site_page_feed_and_json_ld(client, restored):
    for url in ("/ccas-test/", "/ccas-test/lieux/ecole-jules-ferry/"):
        response = client.get(url)
        article = article_of(text_of(response), restored)
        assert "Rétablie" in article
        assert "Ce passage avait été annulé : il est finalement maintenu." in article
        event = next(e for e in json_ld(response) if e["startDate"].startswith(str(in_days(8))))
        assert event["eventStatus"] == "https://schema.org/EventScheduled"
        assert "Rétablie" in event["description"]
        assert "previousStartDate" not in event
    event = feed_event(client, "/ccas-test/agenda.ics", restored)
    assert event["STATUS"] == "CONFIRMED"
    assert "Rétablie : ce passage avait été annulé, il est finalement maintenu." in str(
        event["DESCRIPTION"]
    )


def test_an_unchanged_stop_says_nothing_of_changes(client, planning):
    text = text_of(client.get("/ccas-test/"))
    assert "Déplacée" not in text
    assert "Rétablie" not in text
    statuses = {event["eventStatus"] for event in json_ld(client.get("/ccas-test/"))}
    assert "https://schema.org/EventRescheduled" not in statuses


def test_the_api_gives_the_change(client, planning, moved, restored):
    results = client.get("/api/v1/operators/ccas-test/stops").json()["results"]
    by_id = {stop["id"]: stop for stop in results}
    assert by_id[moved.pk]["moved_from"] == {
        "date": in_days(1).isoformat(),
        "start_time": "09:00",
        "end_time": "12:00",
        "site": "place-du-regain",
        "site_name": "Place du Regain",
    }
    assert by_id[moved.pk]["restored"] is False
    assert by_id[restored.pk]["restored"] is True
    assert by_id[restored.pk]["moved_from"] is None
    evening = by_id[planning["stops"]["evening"].pk]
    assert (evening["moved_from"], evening["restored"]) == (None, False)


@pytest.fixture
def moved_workshop(planning, coordinator, django_capture_on_commit_callbacks):
    """A workshop at 10 h in tomorrow's stop (9 h–12 h), then the stop moved to 14 h in 2 days:
    the workshop follows at 15 h; it was announced tomorrow at 10 h."""
    from tests.bookings.factories import WorkshopFactory

    stop = planning["stops"]["next"]
    workshop = WorkshopFactory(
        stop=stop,
        title="Atelier CV",
        start_time=datetime.time(10),
        end_time=datetime.time(11),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.stop_move(
            stop=stop,
            site=planning["sites"]["ecole"],
            date=in_days(2),
            start_time=datetime.time(14),
            end_time=datetime.time(16, 30),
            by=coordinator,
        )
    workshop.refresh_from_db()
    assert workshop.start_time == datetime.time(15)
    return workshop


def test_a_workshop_under_a_moved_stop_gives_its_previous_start_everywhere(client, moved_workshop):
    """Issue 27: JSON-LD, feeds and API say when the workshop was first announced."""
    events = json_ld(client.get("/ccas-test/"))
    event = next(e for e in events if e["name"] == "Atelier CV")
    assert event["eventStatus"] == "https://schema.org/EventRescheduled"
    assert event["startDate"] == f"{in_days(2).isoformat()}T15:00:00+02:00"
    assert event["previousStartDate"] == f"{in_days(1).isoformat()}T10:00:00+02:00"

    calendar = icalendar.Calendar.from_ical(client.get("/ccas-test/agenda.ics").content)
    uid = f"workshop-{moved_workshop.pk}@ccas-test.allervers"
    vevent = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == uid)
    assert f"Déplacé : cet atelier était annoncé le {day_fr(in_days(1))} à 10 h." in str(
        vevent["DESCRIPTION"]
    )

    results = client.get("/api/v1/operators/ccas-test/stops").json()["results"]
    (workshop,) = [w for stop in results for w in stop["workshops"] if w["title"] == "Atelier CV"]
    assert (workshop["start_time"], workshop["previous_start_time"]) == ("15:00", "10:00")
    assert workshop["previous_date"] == in_days(1).isoformat()


def test_a_workshop_under_an_unmoved_stop_has_no_previous_start(client, planning):
    from tests.bookings.factories import WorkshopFactory

    WorkshopFactory(stop=planning["stops"]["next"], title="Atelier CV")
    event = next(e for e in json_ld(client.get("/ccas-test/")) if e["name"] == "Atelier CV")
    assert "previousStartDate" not in event
    results = client.get("/api/v1/operators/ccas-test/stops").json()["results"]
    (workshop,) = [w for stop in results for w in stop["workshops"] if w["title"] == "Atelier CV"]
    assert workshop["previous_date"] is None and workshop["previous_start_time"] is None
