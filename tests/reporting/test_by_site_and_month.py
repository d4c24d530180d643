"""Every breakdown by site and by month on the fixed data set (tests/reporting/conftest.py),
computed by hand here from the list of visits, not by the code under test.

The data set, per site and month (stops: s1 A 15/01 9 h, s2 B 10/03 14 h, s3 A 09/07 17 h,
s4 B 05/05 cancelled, s5 A 31/12 20 h):

    visit stop site month minutes gender age    area mode first situation heard  topics seen
    v1    s1   A    1     30      F      26-49  yes  walk yes   job_seeker mouth  t1 t2  p1
    v2    s1   A    1     60      M      <26    no   appt no    rsa        flyer  t1     p1
    v3    s2   B    3     45      F      50-64  yes  walk yes   -          -      t2     p2
    v4    s2   B    3     20      -      -      -    -    -     -          -      -      -
    v5    s2   B    3     (none)  other  65+    yes  walk no    -          -      t3     -
    v6    s3   A    7     90      F      26-49  no   walk yes   -          -      t1     p2
    v7    s3   A    7     55      F      -      yes  walk yes   -          -      -      -
    v8    s5   A    12    20      M      26-49  yes  walk -     -          -      -      -

Referrals: r1 v1→p1 taken up after 10 days, r2 v2→p2 dropped, r3 v3→p1 taken up after 4
days, r4 v6→p2 proposed, r5 v8→p1 sent. Cyber-atelier: s1 3 seats / 4 people, s3 5 seats / 6
people, 8 seats offered per stop. Presences: s1 p1, s2 p1 and p2, s3 p2, s4 p2 (cancelled).
"""

import datetime

import pytest

from allervers.reception.questions import QUESTIONS
from allervers.reporting.presentation.details import detail_tables
from allervers.reporting.presentation.values import VIEWER, Formatter
from tests.planning.factories import SiteFactory, StopFactory
from tests.reception.factories import VisitFactory

from .conftest import YEAR, compute

pytestmark = pytest.mark.django_db


def answers(row, question):
    return {value: count for value, _label, count in row["breakdowns"][question]}


def sites(report):
    return {row["name"]: row for row in report["by_site"]}


def months(report):
    return {row["month"]: row for row in report["by_month"]}


def topic_counts(dataset, row):
    t1, t2, t3 = dataset.topics
    return [row["topics"].get(str(topic.pk), 0) for topic in (t1, t2, t3)]


def test_durations_by_site_and_month(dataset):
    report = compute(dataset)
    a, b = sites(report)["Place A"], sites(report)["Place B"]
    # A: 30 60 90 55 20 → mean 255 / 5 = 51, median of 20 30 55 60 90 = 55 (odd count).
    assert (a["with_duration"], a["duration_mean"], a["duration_median"]) == (5, 51, 55)
    # B: 45 20 (v5 has not left) → mean and median (20 + 45) / 2 = 32.5 (even count).
    assert (b["with_duration"], b["duration_mean"], b["duration_median"]) == (2, 32.5, 32.5)
    by_month = months(report)
    assert {m: by_month[m]["duration_median"] for m in (1, 3, 7, 12)} == {
        1: 45,  # 30 60
        3: 32.5,  # 45 20
        7: 72.5,  # 90 55
        12: 20,
    }
    assert by_month[2]["duration_median"] is None
    assert by_month[2]["with_duration"] == 0


def test_themes_by_site_and_month(dataset):
    report = compute(dataset)
    a, b = sites(report)["Place A"], sites(report)["Place B"]
    assert topic_counts(dataset, a) == [3, 1, 0]  # t1: v1 v2 v6; t2: v1
    assert a["without_topic"] == 2  # v7 v8
    assert topic_counts(dataset, b) == [0, 1, 1]  # t2: v3; t3: v5
    assert b["without_topic"] == 1  # v4
    by_month = months(report)
    assert topic_counts(dataset, by_month[1]) == [2, 1, 0]
    assert topic_counts(dataset, by_month[3]) == [0, 1, 1]
    assert topic_counts(dataset, by_month[7]) == [1, 0, 0]
    assert [by_month[m]["without_topic"] for m in (1, 3, 7, 12)] == [0, 1, 1, 1]


def test_answers_by_site(dataset):
    a, b = sites(compute(dataset))["Place A"], sites(compute(dataset))["Place B"]
    assert answers(a, "age_band") == {
        "under_26": 1,
        "26_49": 3,
        "50_64": 0,
        "65_plus": 0,
        "unknown": 1,
    }
    assert answers(b, "age_band") == {
        "under_26": 0,
        "26_49": 0,
        "50_64": 1,
        "65_plus": 1,
        "unknown": 1,
    }
    assert (answers(a, "situation")["job_seeker"], answers(a, "situation")["rsa"]) == (1, 1)
    assert answers(a, "situation")["unknown"] == 3
    assert answers(b, "situation")["unknown"] == 3
    assert answers(a, "heard_from")["word_of_mouth"] == answers(a, "heard_from")["flyer"] == 1
    assert answers(b, "heard_from")["unknown"] == 3
    assert answers(a, "first_visit") == {"yes": 3, "no": 1, "unknown": 1}
    assert answers(b, "first_visit") == {"yes": 1, "no": 1, "unknown": 1}
    assert (a["first"], a["first_known"], b["first"], b["first_known"]) == (3, 4, 1, 2)
    assert answers(a, "mode") == {"walk_in": 4, "appointment": 1, "unknown": 0}
    assert answers(b, "mode") == {"walk_in": 2, "appointment": 0, "unknown": 1}
    assert (a["walk_in"], a["mode_known"], b["walk_in"], b["mode_known"]) == (4, 5, 2, 2)


def test_answers_by_month(dataset):
    by_month = months(compute(dataset))
    assert answers(by_month[1], "age_band")["26_49"] == 1  # v1
    assert answers(by_month[1], "age_band")["under_26"] == 1  # v2
    assert answers(by_month[7], "age_band") == {
        "under_26": 0,
        "26_49": 1,
        "50_64": 0,
        "65_plus": 0,
        "unknown": 1,
    }
    assert answers(by_month[3], "first_visit") == {"yes": 1, "no": 1, "unknown": 1}
    assert answers(by_month[12], "first_visit") == {"yes": 0, "no": 0, "unknown": 1}
    assert answers(by_month[1], "mode") == {"walk_in": 1, "appointment": 1, "unknown": 0}
    assert answers(by_month[1], "situation")["rsa"] == 1
    assert set(answers(by_month[2], "heard_from").values()) == {0}
    assert len(answers(by_month[2], "heard_from")) == 8  # every answer, "non renseigné" too


def test_referrals_by_site_and_month(dataset):
    report = compute(dataset)
    a, b = sites(report)["Place A"], sites(report)["Place B"]
    # A: r1 taken up (10 days), r2 dropped, r4 proposed, r5 sent; B: r3 taken up (4 days).
    assert [a[name] for name in ("referrals", "proposed", "sent", "taken_up", "dropped")] == [
        4,
        1,
        1,
        1,
        1,
    ]
    assert a["delay_median_days"] == 10
    assert [b[name] for name in ("referrals", "proposed", "sent", "taken_up", "dropped")] == [
        1,
        0,
        0,
        1,
        0,
    ]
    assert b["delay_median_days"] == 4
    by_month = months(report)
    assert [by_month[m]["referrals"] for m in (1, 3, 7, 12)] == [2, 1, 1, 1]
    assert [by_month[m]["delay_median_days"] for m in (1, 3, 7, 12)] == [10, 4, None, None]
    assert (by_month[7]["proposed"], by_month[12]["sent"]) == (1, 1)


def test_cyber_and_evening_by_site_and_month(dataset):
    report = compute(dataset)
    a, b = sites(report)["Place A"], sites(report)["Place B"]
    assert a["cyber"] == {"stops_recorded": 2, "seats_used": 8, "people": 10, "seats_offered": 16}
    assert b["cyber"] == {"stops_recorded": 0, "seats_used": 0, "people": 0, "seats_offered": 0}
    assert a["cyber_used"] == 1 and b["cyber_used"] == 0  # v1
    # A: s3 (17 h) and s5 (20 h) in the evening, s1 in the day; v6 v7 v8 in the evening.
    assert (a["held"], a["evening_held"], a["visits"], a["evening"]) == (3, 2, 5, 3)
    assert (b["held"], b["evening_held"], b["visits"], b["evening"]) == (1, 0, 3, 0)
    by_month = months(report)
    assert by_month[1]["cyber"]["seats_used"] == 3
    assert by_month[7]["cyber"] == {
        "stops_recorded": 1,
        "seats_used": 5,
        "people": 6,
        "seats_offered": 8,
    }
    assert [by_month[m]["evening_held"] for m in (1, 3, 5, 7, 12)] == [0, 0, 0, 1, 1]
    assert [by_month[m]["evening"] for m in (1, 3, 7, 12)] == [0, 0, 2, 1]


def test_partners_by_site_and_month(dataset):
    report = compute(dataset)
    p1, p2 = str(dataset.p1.pk), str(dataset.p2.pk)
    a, b = sites(report)["Place A"], sites(report)["Place B"]

    def counts(presences, seen, referrals, taken_up):
        return {
            "presences": presences,
            "visits_seen": seen,
            "referrals": referrals,
            "taken_up": taken_up,
        }

    # A: p1 present at s1, seen at v1 v2, received r1 (taken up) and r5; p2 present at s3,
    # seen at v6, received r2 and r4.
    assert a["partners"] == {p1: counts(1, 2, 2, 1), p2: counts(1, 1, 2, 0)}
    # B: both present at s2 (p2's presence at the cancelled s4 does not count); p2 seen at v3;
    # p1 received r3 (taken up).
    assert b["partners"] == {p1: counts(1, 0, 1, 1), p2: counts(1, 1, 0, 0)}
    by_month = months(report)
    assert by_month[1]["partners"] == {p1: counts(1, 2, 1, 1), p2: counts(0, 0, 1, 0)}
    assert by_month[5]["partners"] == {}  # s4 was cancelled
    assert by_month[12]["partners"] == {p1: counts(0, 0, 1, 0)}


def test_detail_tables_render_every_breakdown(dataset):
    tables = {t.slug: t for t in detail_tables(compute(dataset), Formatter("full"))}
    # The visit's questions (one family each, named from the registry) and the other figures.
    questions = [question.report_key.replace("_", "-") for question in QUESTIONS]
    assert {"gender", "age-band", "lives-in-area", "mode", "first-visit"} <= set(questions)
    families = [
        "duree",
        "thematiques",
        *questions,
        "orientations",
        "cyber",
        "soiree",
        "partenaires",
    ]
    assert set(tables) == {f"{f}-{g}" for f in families for g in ("lieu", "mois")}

    def row(slug, label):
        table = tables[slug]
        found = next(r for r in table.rows if r[0] == label)
        return dict(zip(table.columns, [str(c).replace("\u00a0", " ") for c in found], strict=True))

    duration = row("duree-lieu", "Place A")
    assert (duration["Durée moyenne (min)"], duration["Durée médiane (min)"]) == (
        "51 min",
        "55 min",
    )
    themes = row("thematiques-lieu", "Place A")
    assert themes["Démarches emploi : visites"] == "3"
    assert themes["Démarches emploi : part des visites"] == "60 %"  # 3 of the site's 5 visits
    assert themes["Sans thématique : part des visites"] == "40 %"
    mode = row("mode-lieu", "Place A")
    assert mode["Part des visites sans rendez-vous (réponses connues)"] == "80 %"  # 4 / 5
    first = row("first-visit-lieu", "Place A")
    assert first["Part des premières visites (réponses connues)"] == "75 %"  # 3 / 4
    referrals = row("orientations-lieu", "Place A")
    assert referrals["Taux de prise en charge (part des orientations)"] == "25 %"
    assert referrals["Délai médian de prise en charge"] == "10 jours"
    evening = row("soiree-lieu", "Place A")
    assert evening["Visites par permanence (soirée)"] == "1,5"  # 3 visits / 2 evening stops
    assert evening["Visites par permanence (journée)"] == "2,0"  # 2 visits / 1 day stop
    cyber = row("cyber-mois", "juillet 2024")
    # 5 seats used of the 8 of the one held stop of July (with a record), rounded half up.
    assert cyber["Taux d'occupation (toutes les permanences tenues)"] == "63 %"
    assert cyber["Taux d'occupation (permanences avec un relevé)"] == "63 %"
    cyber = row("cyber-lieu", "Place A")
    # 8 seats used; s1, s3 and s5 held there (24 seats), only s1 and s3 recorded (16 seats).
    assert cyber["Taux d'occupation (toutes les permanences tenues)"] == "33 %"
    assert cyber["Taux d'occupation (permanences avec un relevé)"] == "50 %"
    partners = tables["partenaires-lieu"]
    assert partners.row_headers == 2
    assert [r[:2] for r in partners.rows] == [
        ["Place A", "Mission locale"],
        ["Place A", "PLIE"],
        ["Place B", "Mission locale"],
        ["Place B", "PLIE"],
    ]
    assert [str(c) for c in partners.rows[0][2:6]] == ["1", "2", "2", "1"]
    assert len(tables["age-band-mois"].rows) == 12


def test_a_viewer_reads_no_small_count_in_the_detail_tables(dataset):
    tables = detail_tables(compute(dataset), Formatter(VIEWER))
    assert tables and all(table.group_key == "by_site" for table in tables)
    for table in tables:
        for row in table.rows:
            for value in table.figures(row):
                if isinstance(value.raw, int) and value.about_people:
                    assert value.raw >= 5, (table.slug, row)
    themes = next(t for t in tables if t.slug == "thematiques-lieu")
    place_a = dict(zip(themes.columns, themes.rows[0], strict=True))
    # Place A's 5 visits would give Place B's 3 away from the 8 of the whole year: both hidden.
    assert place_a["Visites"].text == "n.c."
    assert place_a["Démarches emploi : visites"].text == "< 5"
    assert place_a["Démarches emploi : part des visites"].text == "n.c."
    duration = next(t for t in tables if t.slug == "duree-lieu")
    assert [str(c) for c in duration.rows[1][1:]] == ["< 5", "n.c.", "n.c."]  # B: 2 durations


def test_the_number_of_queries_does_not_grow_with_sites_and_months(
    dataset, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        compute(dataset)
    # Three more sites, each with stops in three more months and visits.
    for index in range(3):
        site = SiteFactory(operator=dataset.operator, name=f"Place {index}")
        for month in (2, 4, 6):
            stop = StopFactory(
                operator=dataset.operator, site=site, date=datetime.date(YEAR, month, 10 + index)
            )
            VisitFactory.create_batch(2, operator=dataset.operator, stop=stop)
    with django_assert_num_queries(len(before.captured_queries)):
        report = compute(dataset)
    assert len(report["by_site"]) == 5
    assert months(report)[4]["visits"] == 6
