"""Calendar feeds: RFC 5545, stable UIDs, Europe/Paris, cancellations kept."""

import datetime
import re
import zoneinfo

import icalendar
import pytest
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
        from allervers.core.revision import planning_revision_bump

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


def last_sunday_of_march(year: int) -> datetime.date:
    day = datetime.date(year, 3, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def rfc5545_switches(vtimezone) -> list[tuple[datetime.datetime, str]]:
    """(UTC instant, kind) of each onset an RFC 5545 reader computes: DTSTART and each RDATE
    are local times in the observance's TZOFFSETFROM (section 3.6.5)."""
    switches = []
    for observance in vtimezone.subcomponents:
        offset = observance.decoded("TZOFFSETFROM")
        starts = [observance.decoded("DTSTART")]
        rdates = observance.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            starts += [period.dt for period in rdate.dts]
        for start in starts:
            instant = (start - offset).replace(tzinfo=datetime.UTC)
            switches.append((instant, observance.name))
    return sorted(switches)


@pytest.mark.parametrize("wrong", [False, True], ids=["ours", "icalendar-from-tzid"])
def test_summer_time_starts_at_one_utc_on_the_last_sunday_of_march(client, planning, wrong):
    """RFC 5545 reads an observance's DTSTART in its TZOFFSETFROM: summer time must start at
    02:00 local (01:00 UTC). icalendar's `Timezone.from_tzid` writes 03:00, an hour late (the
    test sees it when that block is put in the feed's place)."""
    switch = last_sunday_of_march(in_days(300).year)
    stop = StopFactory(
        operator=planning["operator"],
        vehicle=planning["vehicle"],
        site=planning["sites"]["regain"],
        date=switch,
        start_time=datetime.time(3, 30),
        end_time=datetime.time(5),
    )
    body = client.get("/ccas-test/agenda.ics").content
    if wrong:
        ours = re.search(rb"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r\n", body, re.S).group()
        theirs = icalendar.Timezone.from_tzid(
            "Europe/Paris",
            first_date=datetime.date(switch.year - 1, 1, 1),
            last_date=datetime.date(switch.year, 12, 31),
        ).to_ical()
        body = body.replace(ours, theirs)
    calendar = icalendar.Calendar.from_ical(body)
    onsets = rfc5545_switches(calendar.walk("VTIMEZONE")[0])
    one_utc = datetime.datetime.combine(switch, datetime.time(1), tzinfo=datetime.UTC)
    if wrong:
        assert (one_utc, "DAYLIGHT") not in onsets
        return
    assert (one_utc, "DAYLIGHT") in onsets
    # Every onset is where the zone database has it (summer and winter, every year covered).
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    for instant, kind in onsets[1:]:
        before = (instant - datetime.timedelta(seconds=1)).astimezone(paris)
        after = instant.astimezone(paris)
        assert before.utcoffset() != after.utcoffset(), instant
        assert bool(after.dst()) == (kind == "DAYLIGHT")
    # A parser places the stop right after the switch at 01:30 UTC.
    event = next(e for e in calendar.walk("VEVENT") if str(e["UID"]) == expected_uid(stop))
    assert event.decoded("DTSTART").astimezone(datetime.UTC) == one_utc + datetime.timedelta(
        minutes=30
    )
    window = recurring_ical_events.of(calendar).at(switch)
    assert [str(e["UID"]) for e in window] == [expected_uid(stop)]
