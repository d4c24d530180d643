"""Where and when to park (issue 15, point 5): the figures on hand-built stops and visits, the
interval, the suggestions and their patterns, the page by role, bad input, the yearly report."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.urls import reverse
from pypdf import PdfReader

from allervers.core.roles import Role
from allervers.planning.enums import CancelReason, StopStatus
from allervers.reporting.parking import (
    ABOVE,
    BELOW,
    DEFINITIONS,
    EVENING,
    FEW,
    LIKE,
    SCHOOL_YEAR,
    SUMMER,
    Estimate,
    parking_analysis,
    parking_figures,
    parking_patterns,
)
from allervers.reporting.periods import Period
from allervers.reporting.presentation.parking import parking_section
from allervers.reporting.presentation.values import FULL, VIEWER, Formatter
from allervers.reporting.queries import Scope
from allervers.reporting.services import year_close
from allervers.reporting.templatetags.parking_report import CLOSED_BEFORE
from tests.html import text_of
from tests.planning.factories import (
    SchedulePatternFactory,
    SiteFactory,
    StopFactory,
    VehicleFactory,
)
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db

YEAR = 2025
TODAY = datetime.date(2026, 6, 10)
MONDAY, TUESDAY, WEDNESDAY = 0, 1, 2


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ").replace("\u202f", " "))


@pytest.fixture
def parking(operator, other_operator):
    """École: 6 Wednesday afternoons with 1 visit each (a pattern); Place: 6 Monday mornings
    with 4 visits each (a pattern) and 3 evening one-offs in July with 2 visits each. Besides:
    a cancelled stop, a stop of 2024, a future stop and another operator's stop."""
    vehicle = VehicleFactory(operator=operator)
    ecole = SiteFactory(operator=operator, name="École Jules Ferry")
    place = SiteFactory(operator=operator, name="Place du Regain")
    wednesdays = SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        site=ecole,
        weekday=WEDNESDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(17),
        label="Mercredi après-midi à l'école",
    )
    mondays = SchedulePatternFactory(
        operator=operator, vehicle=vehicle, site=place, weekday=MONDAY, label="Lundi matin place"
    )

    def stop(site, day, hour, visits, pattern=None, **fields):
        made = StopFactory(
            operator=operator,
            vehicle=vehicle,
            site=site,
            date=day,
            start_time=datetime.time(hour),
            end_time=datetime.time(hour + 3),
            pattern=pattern,
            pattern_date=day if pattern else None,
            **fields,
        )
        for _ in range(visits):
            VisitFactory(operator=operator, stop=made)
        return made

    first_wednesday, first_monday = datetime.date(YEAR, 1, 8), datetime.date(YEAR, 1, 6)
    for week in range(6):
        stop(ecole, first_wednesday + datetime.timedelta(weeks=week), 14, 1, wednesdays)
        stop(place, first_monday + datetime.timedelta(weeks=week), 9, 4, mondays)
    for day in (8, 15, 22):
        stop(place, datetime.date(YEAR, 7, day), 17, 2, title="Soirée")
    stop(
        ecole,
        datetime.date(YEAR, 3, 5),
        14,
        0,
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )
    stop(ecole, datetime.date(YEAR - 1, 12, 4), 14, 9)
    StopFactory(operator=other_operator, date=datetime.date(YEAR, 1, 8))
    return {"ecole": ecole, "place": place, "wednesdays": wednesdays, "mondays": mondays}


def scope(operator, **fields) -> Scope:
    return Scope(operator_id=operator.pk, period=Period.year(YEAR), today=TODAY, **fields)


def test_each_cell_counts_its_held_stops_and_their_visits(operator, parking):
    rows = parking_figures(scope(operator))
    found = {
        (row["site"], row["weekday"], row["moment"], row["season"]): (
            row["stops"],
            row["visits"],
            row["squares"],
            row["one_offs"],
        )
        for row in rows
    }
    assert found == {
        ("École Jules Ferry", WEDNESDAY, "afternoon", SCHOOL_YEAR): (6, 6, 6, 0),
        ("Place du Regain", MONDAY, "morning", SCHOOL_YEAR): (6, 24, 96, 0),
        ("Place du Regain", TUESDAY, EVENING, SUMMER): (3, 6, 12, 3),
    }
    analysis = parking_analysis(rows)
    assert analysis.total == Estimate(15, 36, 114)
    assert analysis.total.mean == pytest.approx(2.4)
    assert analysis.evening == Estimate(3, 6, 12)
    assert analysis.daytime.mean == pytest.approx(30 / 12)


def test_the_cells_follow_the_site_filter_and_the_period(operator, parking):
    rows = parking_figures(scope(operator, site_id=parking["ecole"].pk))
    assert [(row["site"], row["stops"]) for row in rows] == [("École Jules Ferry", 6)]
    # A stop of the future is not held yet: the day before the last Monday, five of six.
    early = Scope(operator.pk, Period.year(YEAR), datetime.date(YEAR, 2, 9))
    stops = {row["weekday"]: row["stops"] for row in parking_figures(early)}
    assert stops == {MONDAY: 5, WEDNESDAY: 5}


def test_time_of_day_and_season_bounds(operator):
    site = SiteFactory(operator=operator, name="Lieu")
    vehicle = VehicleFactory(operator=operator)
    for day, start, end in [
        (datetime.date(YEAR, 6, 30), (11, 59), (12, 30)),  # morning, school year
        (datetime.date(YEAR, 7, 1), (12, 0), (13, 0)),  # afternoon, summer
        (datetime.date(YEAR, 8, 31), (16, 59), (18, 0)),  # afternoon, summer
        (datetime.date(YEAR, 9, 1), (17, 0), (19, 0)),  # evening, school year
    ]:
        StopFactory(
            operator=operator,
            vehicle=vehicle,
            site=site,
            date=day,
            start_time=datetime.time(*start),
            end_time=datetime.time(*end),
        )
    cells = {
        (row["weekday"], row["moment"], row["season"]) for row in parking_figures(scope(operator))
    }
    assert cells == {
        (0, "morning", SCHOOL_YEAR),  # Monday 30 June
        (1, "afternoon", SUMMER),  # Tuesday 1 July
        (6, "afternoon", SUMMER),  # Sunday 31 August
        (0, EVENING, SCHOOL_YEAR),  # Monday 1 September
    }


def test_the_interval_is_close_to_the_exact_poisson_one():
    # Exact 90 % Poisson intervals: 0 → [0, 2.996]; 10 → [5.425, 16.962] (chi-square tables).
    low, high = Estimate(1, 0, 0).interval
    assert low == 0 and high == pytest.approx(2.996, rel=0.01)
    low, high = Estimate(1, 10, 100).interval
    assert (low, high) == (pytest.approx(5.425, rel=0.01), pytest.approx(16.962, rel=0.01))
    # Divided by the stops: ten stops of one visit each.
    low, high = Estimate(10, 10, 10).interval
    assert (low, high) == (pytest.approx(0.5425, rel=0.01), pytest.approx(1.6962, rel=0.01))


def test_the_interval_widens_when_the_visits_vary_more_than_chance():
    even = Estimate(5, 10, 20)  # 2, 2, 2, 2, 2
    uneven = Estimate(5, 10, 100)  # 0, 0, 0, 0, 10: variance 20, ten times the mean
    assert uneven.dispersion == pytest.approx(10)
    assert even.dispersion == 1
    even_width = even.interval[1] - even.interval[0]
    uneven_low, uneven_high = uneven.interval
    assert uneven_high - even.interval[1] == pytest.approx((10**0.5 - 1) * (even.interval[1] - 2))
    assert uneven_low == 0  # never below zero
    assert uneven_high - uneven_low > 2 * even_width


def test_too_few_stops_never_conclude_however_large_the_gap():
    many = Estimate(20, 60, 180)
    assert Estimate(4, 0, 0).verdict(many) == FEW
    assert Estimate(5, 0, 0).verdict(many) == BELOW
    assert Estimate(20, 60, 180).verdict(Estimate(4, 40, 400)) == FEW


def test_a_gap_inside_the_interval_or_under_20_percent_is_no_suggestion():
    reference = Estimate(100, 300, 900)  # 3.0 per stop
    assert Estimate(5, 12, 30).verdict(reference) == LIKE  # 2.4: interval holds 3.0
    assert Estimate(400, 1040, 2704).verdict(reference) == LIKE  # 2.6: narrow, but only 13 %
    assert Estimate(400, 960, 2304).verdict(reference) == BELOW  # 2.4, 20 % below
    assert Estimate(400, 1440, 5184).verdict(reference) == ABOVE  # 3.6, 20 % above


def test_suggestions_come_only_when_supported_and_link_their_patterns(operator, parking):
    figures = parking_figures(scope(operator))
    analysis = parking_analysis(figures)
    verdicts = {
        cell.site: analysis.verdict(cell) for cell in analysis.cells if cell.moment != EVENING
    }
    assert verdicts == {"École Jules Ferry": BELOW, "Place du Regain": ABOVE}
    assert analysis.evening_verdict == FEW  # three evenings
    patterns = {
        key: [f"#{pattern_id}" for pattern_id in ids]
        for key, ids in parking_patterns(scope(operator)).items()
    }
    ecole_key = (parking["ecole"].pk, WEDNESDAY, "afternoon", SCHOOL_YEAR)
    assert patterns[ecole_key] == [f"#{parking['wednesdays'].pk}"]
    assert (parking["place"].pk, TUESDAY, EVENING, SUMMER) not in patterns  # one-offs only
    section = parking_section(figures, Formatter(FULL), patterns)
    texts = [normalised(suggestion.text) for suggestion in section.suggestions]
    assert texts == [
        "Place du Regain, le lundi matin (année scolaire) : 4,0 visites par permanence contre "
        "1,3 en moyenne pour les autres permanences, sur 6 permanences. Un créneau qui attire : "
        "à garder, voire à renforcer.",
        "École Jules Ferry, le mercredi après-midi (année scolaire) : 1,0 visite par permanence "
        "contre 3,3 en moyenne pour les autres permanences, sur 6 permanences. Un autre jour, "
        "une autre heure ou un autre lieu attirerait peut-être davantage.",
    ]
    assert section.suggestions[1].patterns == [f"#{parking['wednesdays'].pk}"]
    assert normalised(section.evening_conclusion) == (
        "Trop peu de permanences du soir ou de journée (n < 5) pour conclure."
    )


def test_a_viewer_never_reads_a_mean_behind_fewer_than_5_visits():
    figures = [
        {
            "site_id": 1,
            "site": "Lieu",
            "weekday": 0,
            "moment": "morning",
            "season": SCHOOL_YEAR,
            "stops": 8,
            "visits": 4,
            "squares": 4,
            "one_offs": 0,
        },
        {
            "site_id": 1,
            "site": "Lieu",
            "weekday": 3,
            "moment": "morning",
            "season": SCHOOL_YEAR,
            "stops": 40,
            "visits": 160,
            "squares": 640,
            "one_offs": 0,
        },
    ]
    full = parking_section(figures, Formatter(FULL))
    viewer = parking_section(figures, Formatter(VIEWER))
    assert [row.mean.text for row in full.rows] == ["0,5", "4,0"]
    assert (viewer.rows[0].mean.text, viewer.rows[0].interval) == ("n.c.", "n.c.")
    assert viewer.rows[0].visits.text == "< 5"
    # Each cell is far from the other: two suggestions, each naming the other's 0,5.
    assert len(full.suggestions) == 2
    assert "0,5 visite par permanence" in " ".join(s.text for s in full.suggestions)
    assert viewer.suggestions == []  # each would give the 4 visits away


# --- the page ---------------------------------------------------------------------------------


def test_the_coordinators_page_shows_cells_evenings_and_suggestions_with_links(
    client, coordinator, parking, clock
):
    client.force_login(coordinator)
    response = client.get(reverse("reporting:parking"))  # the last complete year by default
    assert response.status_code == 200
    text = normalised(text_of(response))
    assert "Où et quand stationner : année 2025" in text
    assert "1,0 visite par permanence contre 3,3 en moyenne" in text
    url = reverse("planning:pattern_detail", args=[parking["wednesdays"].pk])
    label = "Mercredi après-midi à l'école (du 01/01/2025 au 31/12/2025)"
    assert f'<a href="{url}">{label}</a>' in text
    assert "Place du Regain, le mardi soir (été) : 3 permanences" in text
    assert "trop peu de permanences (n < 5) pour conclure" in text
    assert "Rien n'est changé automatiquement" in text


def test_the_page_makes_a_fixed_number_of_queries(
    client, coordinator, parking, django_assert_max_num_queries
):
    client.force_login(coordinator)
    with django_assert_max_num_queries(20) as captured:
        client.get(reverse("reporting:parking"), {"annee": YEAR})
    baseline = len(captured.captured_queries)
    site = SiteFactory(operator=coordinator.memberships.first().operator, name="Autre lieu")
    pattern = SchedulePatternFactory(operator=site.operator, site=site, weekday=4)
    for week in range(10):
        day = datetime.date(YEAR, 3, 7) + datetime.timedelta(weeks=week)
        visit_stop = StopFactory(
            operator=site.operator, site=site, date=day, pattern=pattern, pattern_date=day
        )
        VisitFactory(operator=site.operator, stop=visit_stop)
    with django_assert_max_num_queries(baseline):
        client.get(reverse("reporting:parking"), {"annee": YEAR})


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTNER, Role.VIEWER])
def test_only_coordinators_open_the_page(client, operator, make_member, role):
    client.force_login(make_member(operator, role))
    assert client.get(reverse("reporting:parking")).status_code == 403


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("deux-mille", "Indiquez une année en chiffres, par exemple 2025."),
        ("1850", "Choisissez une année entre 2000 et 2100."),
        ("99999", "Choisissez une année entre 2000 et 2100."),
        ("", "Indiquez une année."),
    ],
)
def test_a_bad_year_is_refused_in_french(client, coordinator, year, message):
    client.force_login(coordinator)
    response = client.get(reverse("reporting:parking"), {"annee": year})
    assert response.status_code == 400
    assert message in text_of(response)


# --- the yearly report ------------------------------------------------------------------------


def test_the_yearly_report_holds_the_section_for_its_readers(
    client, operator, coordinator, make_member, parking
):
    query = {"periode": "annee", "annee": YEAR}
    client.force_login(coordinator)
    text = normalised(text_of(client.get(reverse("reporting:dashboard"), query)))
    assert "Où et quand stationner" in text
    assert "1,0 visite par permanence contre 3,3 en moyenne" in text
    assert f'href="{reverse("reporting:parking")}?annee={YEAR}"' in text

    pdf = client.get(reverse("reporting:export_pdf"), query)
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    pdf_text = normalised(" ".join(page.extract_text() for page in pages))
    assert "Où et quand stationner" in pdf_text
    assert "Les soirées comparées aux journées" in pdf_text

    # A funder's report has no such section: its counts by site, weekday and moment would give
    # the report's hidden counts away by difference.
    client.force_login(make_member(operator, Role.VIEWER))
    text = normalised(text_of(client.get(reverse("reporting:dashboard"), query)))
    assert "Où et quand stationner" not in text
    assert reverse("reporting:parking") not in text

    client.force_login(make_member(operator, Role.PARTNER))
    text = normalised(text_of(client.get(reverse("reporting:dashboard"), query)))
    assert "Où et quand stationner" not in text


def test_the_documentation_holds_every_definition_word_for_word():
    text = (Path(__file__).resolve().parents[2] / "docs" / "indicators.md").read_text("utf-8")
    for indicator in DEFINITIONS:
        assert f"| {indicator.label} | `{indicator.key}` | {indicator.definition} |" in text


def test_a_closed_year_keeps_its_section_as_closed(client, operator, coordinator, parking):
    year_close(operator=operator, year=YEAR, user=coordinator)
    # A visit recorded afterwards changes the page, not the closed report.
    VisitFactory(operator=operator, stop=parking["ecole"].stops.filter(date__year=YEAR).first())
    client.force_login(coordinator)
    report = normalised(
        text_of(client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": YEAR}))
    )
    assert "1,0 visite par permanence contre 3,3 en moyenne" in report
    page = normalised(text_of(client.get(reverse("reporting:parking"), {"annee": YEAR})))
    assert "1,2 visite par permanence contre 3,3 en moyenne" in page


def test_a_year_closed_before_the_section_says_so(client, operator, coordinator, parking):
    closure = year_close(operator=operator, year=YEAR, user=coordinator)
    del closure.figures["parking"]
    closure.save(update_fields=["figures"])
    client.force_login(coordinator)
    report = normalised(
        text_of(client.get(reverse("reporting:dashboard"), {"periode": "annee", "annee": YEAR}))
    )
    assert CLOSED_BEFORE in report


def _row(site_id, weekday, moment, stops, visits_each, season=SCHOOL_YEAR):
    return {
        "site_id": site_id,
        "site": f"Lieu {site_id}",
        "weekday": weekday,
        "moment": moment,
        "season": season,
        "stops": stops,
        "visits": stops * visits_each,
        "squares": stops * visits_each * visits_each,
        "one_offs": 0,
    }


def test_evenings_that_draw_fewer_are_said_once_supported():
    day = _row(1, MONDAY, "morning", 20, 4)
    two_evenings = [_row(1, TUESDAY, EVENING, 3, 1), _row(2, TUESDAY, EVENING, 3, 1)]
    analysis = parking_analysis([day, *two_evenings])
    assert analysis.evening == Estimate(6, 6, 6)
    assert analysis.evening_verdict == BELOW
    assert [analysis.verdict(cell) for cell in analysis.evening_cells] == [FEW, FEW]
    section = parking_section([day, *two_evenings], Formatter(FULL))
    assert [normalised(s.text) for s in section.suggestions] == [
        "Lieu 1, le lundi matin (année scolaire) : 4,0 visites par permanence contre 1,0 en "
        "moyenne pour les autres permanences, sur 20 permanences. Un créneau qui attire : à "
        "garder, voire à renforcer.",
        "Les permanences du soir reçoivent 1,0 visite par permanence contre 4,0 en journée, sur "
        "6 permanences du soir. Les soirées attirent moins que la journée.",
    ]
    assert normalised(section.evening_conclusion) == (
        "Les soirées reçoivent nettement moins de visites que les journées."
    )
    # One evening cell of 6: its own suggestion, not a second one for the evenings.
    one_evening = parking_section([day, _row(1, TUESDAY, EVENING, 6, 1)], Formatter(FULL))
    assert len(one_evening.suggestions) == 2  # the evening cell and the day cell, each other's
    assert all(not s.text.startswith("Les permanences du soir") for s in one_evening.suggestions)
    # Evenings like the day: no suggestion, and the conclusion says so.
    alike = parking_section([day, _row(1, TUESDAY, EVENING, 6, 4)], Formatter(FULL))
    assert alike.suggestions == []
    assert alike.evening_conclusion == "Pas d'écart net entre les soirées et les journées."


def test_a_slot_against_others_without_any_visit_is_still_ordered():
    rows = [_row(1, MONDAY, "morning", 6, 0), _row(1, WEDNESDAY, "morning", 6, 3)]
    analysis = parking_analysis(rows)
    # Wednesday's gap to Monday's 0 is infinite: first; then Monday's, 100 % below.
    assert [s.verdict for s in analysis.suggestions] == [ABOVE, BELOW]
    assert len(parking_section(rows, Formatter(FULL)).suggestions) == 2
