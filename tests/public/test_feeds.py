"""Calendar feeds: RFC 5545, stable UIDs, Europe/Paris, cancellations kept."""

import datetime

import icalendar
import recurring_ical_events
from django.core.cache import cache

from allervers.planning.enums import CancelReason, StopStatus
from tests.html import text_of
from tests.planning.factories import StopFactory

from .conftest import in_days


def parse(response) -> icalendar.Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return icalendar.Calendar.from_ical(response.content)


def uids(calendar) -> set[str]:
    return {str(event["UID"]) for event in calendar.walk("VEVENT")}


def expected_uid(stop) -> str:
    return f"stop-{stop.pk}@ccas-test.allervers"


def test_the_feed_holds_exactly_the_planned_stops(client, planning, other_operator):
    StopFactory(operator=other_operator, date=in_days(2))
    stops = planning["stops"]
    calendar = parse(client.get("/ccas-test/agenda.ics"))
    # The stop 400 days ago is older than the feed keeps.
    wanted = {expected_uid(stops[name]) for name in ("next", "cancelled", "later", "evening")}
    assert uids(calendar) == wanted
    window = recurring_ical_events.of(calendar).between(in_days(-1), in_days(30))
    assert {str(event["UID"]) for event in window} == wanted
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]


def test_cancelled_stops_stay_with_status_cancelled(client, planning):
    calendar = parse(client.get("/ccas-test/agenda.ics"))
    by_uid = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    cancelled = by_uid[expected_uid(planning["stops"]["cancelled"])]
    assert cancelled["STATUS"] == "CANCELLED"
    assert str(cancelled["SUMMARY"]).startswith("Annulée")
    assert "Panne du bus" in str(cancelled["DESCRIPTION"])
    held = by_uid[expected_uid(planning["stops"]["next"])]
    assert held["STATUS"] == "CONFIRMED"
    assert "Mission locale" in str(held["DESCRIPTION"])
    assert "Place du Regain" in str(held["LOCATION"])


def test_times_are_in_europe_paris_with_its_vtimezone(client, planning):
    calendar = parse(client.get("/ccas-test/agenda.ics"))
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Paris"]
    event = next(
        e
        for e in calendar.walk("VEVENT")
        if str(e["UID"]) == expected_uid(planning["stops"]["next"])
    )
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and start.tzinfo.key == "Europe/Paris"
    assert start.time() == datetime.time(9) and start.date() == in_days(1)
    assert b"DTSTART;TZID=Europe/Paris:" in client.get("/ccas-test/agenda.ics").content


def test_two_generations_are_identical_and_a_cancellation_changes_the_sequence(
    client, planning, django_capture_on_commit_callbacks
):
    first = client.get("/ccas-test/agenda.ics").content
    cache.clear()
    second = client.get("/ccas-test/agenda.ics").content
    assert first == second
    stop = planning["stops"]["later"]
    stop.status, stop.cancel_reason = StopStatus.CANCELLED, CancelReason.STAFF_ABSENCE
    stop.save()
    with django_capture_on_commit_callbacks(execute=True):
        from allervers.planning.revision import planning_revision_bump

        planning_revision_bump(planning["operator"].pk)
    third = parse(client.get("/ccas-test/agenda.ics"))
    assert uids(third) == uids(icalendar.Calendar.from_ical(first))
    event = next(e for e in third.walk("VEVENT") if str(e["UID"]) == expected_uid(stop))
    assert event["STATUS"] == "CANCELLED"
    before = next(
        e
        for e in icalendar.Calendar.from_ical(first).walk("VEVENT")
        if str(e["UID"]) == expected_uid(stop)
    )
    assert int(event["SEQUENCE"]) >= int(before["SEQUENCE"])


def test_site_and_partner_feeds(client, planning):
    stops = planning["stops"]
    site = parse(client.get("/ccas-test/lieux/ecole-jules-ferry/agenda.ics"))
    assert uids(site) == {expected_uid(stops["cancelled"]), expected_uid(stops["later"])}
    partner = parse(client.get("/ccas-test/partenaires/mission-locale/agenda.ics"))
    assert uids(partner) == {expected_uid(stops["next"]), expected_uid(stops["evening"])}
    assert "Mission locale" in str(partner["X-WR-CALNAME"])


def test_unknown_feeds_answer_a_french_404(client, planning):
    for url, message in [
        ("/ccas-test/partenaires/inconnu/agenda.ics", "Ce partenaire n'existe pas"),
        ("/ccas-test/lieux/inconnu/agenda.ics", "Ce lieu n'existe pas"),
        ("/ccas-inconnu/agenda.ics", "Nous ne connaissons pas cette adresse."),
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert message in text_of(response), url


def test_feeds_answer_if_none_match(client, planning):
    first = client.get("/ccas-test/agenda.ics")
    again = client.get("/ccas-test/agenda.ics", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_the_public_page_offers_the_subscription_and_its_qr_code(client, planning):
    text = text_of(client.get("/ccas-test/"))
    assert 'href="webcal://testserver/ccas-test/agenda.ics"' in text
    assert "S'abonner à l'agenda du bus" in text
    assert "<svg" in text and "Code QR pour s'abonner à l'agenda" in text
    assert "/ccas-test/partenaires/mission-locale/agenda.ics" in text
