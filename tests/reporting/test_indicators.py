"""Every figure of the fixed data set (tests/reporting/conftest.py), computed by hand here."""

import pytest

from allervers.reporting.periods import Period

from .conftest import YEAR, compute

pytestmark = pytest.mark.django_db


def breakdown(report, name):
    return {value: count for value, _label, count in report["breakdowns"][name]}


def test_stops(dataset):
    stops = compute(dataset)["stops"]
    # s1, s2, s3, s5 held; s4 cancelled; s3 (17:00) and s5 (20:00) are evening stops.
    # The cyber-atelier's 8 seats on each of the 4 held stops.
    assert stops == {
        "held": 4,
        "cancelled": 1,
        "evening_held": 2,
        "seats_held": 32,
        "sites_used": 2,
    }


def test_visits_people_and_durations(dataset):
    visits = compute(dataset)["visits"]
    assert visits["visits"] == 8  # v8 at 23:30 on 31 December counts; the 1 January one not
    # Person A (twice) and B once each, plus the anonymous first visits v3 and v7.
    assert (visits["named_people"], visits["anonymous_first"], visits["people"]) == (2, 2, 4)
    # Departures known for 7 visits: 30 60 45 20 90 55 20 minutes.
    assert visits["with_duration"] == 7
    assert visits["duration_mean"] == pytest.approx(320 / 7, abs=0.01)
    assert visits["duration_median"] == 45
    assert (visits["women"], visits["gender_known"]) == (4, 7)
    assert (visits["in_area"], visits["area_known"]) == (5, 7)
    assert (visits["walk_in"], visits["mode_known"]) == (6, 7)
    assert (visits["first"], visits["first_known"]) == (4, 6)
    assert visits["cyber_used"] == 1
    assert visits["evening"] == 3
    assert visits["without_topic"] == 3


def test_breakdowns_count_unknown_answers(dataset):
    report = compute(dataset)
    assert breakdown(report, "gender") == {"female": 4, "male": 2, "other": 1, "unknown": 1}
    assert breakdown(report, "lives_in_area") == {"yes": 5, "no": 2, "unknown": 1}
    assert breakdown(report, "mode") == {"walk_in": 6, "appointment": 1, "unknown": 1}
    assert breakdown(report, "first_visit") == {"yes": 4, "no": 2, "unknown": 2}
    assert breakdown(report, "age_band") == {
        "under_26": 1,
        "26_49": 3,
        "50_64": 1,
        "65_plus": 1,
        "unknown": 2,
    }
    situations = breakdown(report, "situation")
    assert (situations["job_seeker"], situations["rsa"], situations["unknown"]) == (1, 1, 6)
    assert sum(situations.values()) == 8
    heard = breakdown(report, "heard_from")
    assert (heard["word_of_mouth"], heard["flyer"], heard["unknown"]) == (1, 1, 6)
    assert [(row["name"], row["count"]) for row in report["topics"]] == [
        ("Démarches emploi", 3),
        ("CAF", 2),
        ("Santé", 1),
    ]


def test_referrals_and_partners(dataset):
    report = compute(dataset)
    referrals = report["referrals"]
    assert referrals["total"] == 5
    assert (referrals["taken_up"], referrals["dropped"]) == (2, 1)
    assert (referrals["proposed"], referrals["sent"]) == (1, 1)
    assert referrals["delay_median_days"] == 7  # taken up after 4 and 10 days
    p1, p2 = dataset.p1.pk, dataset.p2.pk
    assert report["partners"] == [
        {"partner_id": p1, "name": "Mission locale", "presences": 2, "visits_seen": 2,
         "referrals": 3, "taken_up": 2},
        # PLIE's presence on the cancelled stop s4 does not count.
        {"partner_id": p2, "name": "PLIE", "presences": 2, "visits_seen": 2, "referrals": 2,
         "taken_up": 0},
    ]  # fmt: skip


def test_cyber_atelier(dataset):
    assert compute(dataset)["cyber"] == {
        "stops_recorded": 2,
        "seats_used": 8,
        "people": 10,
        "seats_offered": 16,
    }


def test_by_site_and_by_month(dataset):
    report = compute(dataset)
    site_a, site_b = report["by_site"]
    assert (site_a["name"], site_a["held"], site_a["cancelled"], site_a["visits"]) == (
        "Place A",
        3,
        0,
        5,
    )
    assert (site_a["women"], site_a["gender_known"]) == (3, 5)
    assert site_a["duration_mean"] == 51  # 30 60 90 55 20
    assert (site_a["referrals"], site_a["taken_up"]) == (4, 1)  # r1 r2 r4 r5; r1 taken up
    assert (site_b["held"], site_b["cancelled"], site_b["visits"]) == (1, 1, 3)
    assert site_b["duration_mean"] == 32.5  # 45 20, v5 still in the bus
    months = {row["month"]: row for row in report["by_month"]}
    assert len(months) == 12
    assert [months[m]["visits"] for m in range(1, 13)] == [2, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 1]
    assert months[5]["cancelled"] == 1
    assert months[12]["evening_held"] == 1
    assert sum(row["people"] for row in report["by_month"]) == 4


def test_previous_period(dataset):
    previous = compute(dataset)["previous"]
    assert previous["period"]["start"] == f"{YEAR - 1}-01-01"
    assert previous["stops"]["held"] == 1
    assert previous["visits"]["visits"] == 1
    assert previous["visits"]["duration_mean"] == 40


def test_site_and_partner_filters(dataset):
    site_b = compute(dataset, site_id=dataset.site_b.pk)
    assert (site_b["stops"]["held"], site_b["stops"]["cancelled"]) == (1, 1)
    assert site_b["visits"]["visits"] == 3
    p1 = compute(dataset, partner_id=dataset.p1.pk)
    assert p1["stops"]["held"] == 2  # s1 and s2, where the Mission locale was present
    assert p1["visits"]["visits"] == 2  # v1 and v2, where it was seen
    assert p1["referrals"]["total"] == 3
    assert [row["name"] for row in p1["partners"]] == ["Mission locale"]


def test_an_empty_period_is_a_well_formed_report(dataset):
    report = compute(dataset, Period.year(2010))
    assert report["visits"]["visits"] == 0
    assert report["visits"]["duration_mean"] is None
    assert report["visits"]["duration_median"] is None
    assert report["referrals"]["delay_median_days"] is None
    assert len(report["by_month"]) == 12
    assert report["by_site"] == []


def test_quarter_and_month_periods(dataset):
    assert compute(dataset, Period.quarter(YEAR, 1))["visits"]["visits"] == 5
    assert compute(dataset, Period.month(YEAR, 12))["visits"]["visits"] == 1
    assert compute(dataset, Period.month(YEAR + 1, 1))["visits"]["visits"] == 1


def test_the_number_of_queries_does_not_grow_with_the_data(dataset, django_assert_max_num_queries):
    with django_assert_max_num_queries(40) as captured:
        compute(dataset)
    baseline = len(captured.captured_queries)
    from tests.reception.factories import VisitFactory

    stop = dataset.operator.stops.filter(date__year=YEAR).first()
    VisitFactory.create_batch(20, operator=dataset.operator, stop=stop)
    with django_assert_max_num_queries(baseline):
        compute(dataset)
