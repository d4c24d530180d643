"""The pattern's rota screens, as the coordinator uses them; bad input gets a French message (400)
and changes nothing; a year's rota for the demo's nine partners in under 30 submissions."""

import datetime

import pytest
from django.urls import reverse

from allervers.core.roles import Role
from allervers.demo import data as demo_data
from allervers.demo import planning as demo_planning
from allervers.planning.enums import DutyRole
from allervers.planning.models import PartnerPresence, RotaLine, SchedulePattern, Stop
from allervers.planning.queries import month_coverage
from tests.html import text_of
from tests.operators.test_settings import URL as SETTINGS_URL
from tests.operators.test_settings import valid as valid_settings
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    SiteFactory,
    StaffAssignmentFactory,
    StopFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

T = datetime.time


@pytest.fixture
def pattern(operator):
    return SchedulePatternFactory(
        operator=operator,
        weekday=1,
        start_time=T(9),
        end_time=T(12),
        valid_from=datetime.date(2026, 6, 1),
        valid_until=datetime.date(2026, 6, 30),
        label="Mardi matin",
    )


def url(name: str, **kwargs) -> str:
    return reverse(f"planning:{name}", kwargs=kwargs)


def test_the_coordinator_sets_the_rota_previews_and_applies_it(client, coordinator, pattern):
    client.force_login(coordinator)
    partner = PartnerFactory(operator=pattern.operator, name="France Travail")
    page = text_of(client.get(url("pattern_detail", pattern_id=pattern.pk)))
    assert "Dates passées : 2" in page and "À créer : 3" in page
    client.post(url("pattern_generate", pattern_id=pattern.pk))
    assert Stop.objects.count() == 3  # the past Tuesdays are not created

    response = client.post(
        url("rota_partner_add", pattern_id=pattern.pk),
        {"partner": partner.pk, "start_time": "10:00", "end_time": ""},
        follow=True,
    )
    assert "France Travail est dans l'équipe du rythme" in text_of(response)
    assert "à compléter : 3" in text_of(response)
    assert not PartnerPresence.objects.exists()
    preview = text_of(client.get(url("rota_apply", pattern_id=pattern.pk)))
    assert "Permanences qui changent : 3" in preview and "ajout de France Travail" in preview
    response = client.post(url("rota_apply", pattern_id=pattern.pk), follow=True)
    assert "3 permanences mises à jour, 0 exception gardée." in text_of(response)
    assert PartnerPresence.objects.filter(start_time=T(10)).count() == 3


def test_past_dates_are_created_only_when_the_box_is_ticked(client, coordinator, pattern):
    client.force_login(coordinator)
    response = client.post(
        url("pattern_generate", pattern_id=pattern.pk), {"include_past": "on"}, follow=True
    )
    assert "5 permanences créées." in text_of(response)
    assert Stop.objects.count() == 5


def test_a_partner_marked_absent_stays_absent_when_the_rota_is_applied(
    client, coordinator, pattern
):
    client.force_login(coordinator)
    partner = PartnerFactory(operator=pattern.operator, name="France Travail")
    client.post(url("rota_partner_add", pattern_id=pattern.pk), {"partner": partner.pk})
    client.post(url("pattern_generate", pattern_id=pattern.pk))
    presence = PartnerPresence.objects.order_by("stop__date").first()
    response = client.post(url("presence_withdraw", presence_id=presence.pk), follow=True)
    assert "France Travail est noté absent ce jour-là" in text_of(response)
    preview = text_of(client.get(url("rota_apply", pattern_id=pattern.pk)))
    assert "Exceptions gardées : 1" in preview and "France Travail : absent ce jour-là" in preview
    client.post(url("rota_apply", pattern_id=pattern.pk))
    assert not PartnerPresence.objects.filter(stop=presence.stop_id).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start_time": "08:00"}, "Choisissez une heure entre 09:00 et 12:00"),
        ({"end_time": "12:30"}, "Choisissez une heure entre 09:00 et 12:00"),
        ({"start_time": "11:00", "end_time": "10:00"}, "L'heure de fin doit être après"),
        ({"start_time": "dix heures"}, "Saisissez une heure valide"),
    ],
)
def test_wrong_hours_are_refused_and_nothing_saved(client, coordinator, pattern, data, message):
    client.force_login(coordinator)
    partner = PartnerFactory(operator=pattern.operator)
    response = client.post(
        url("rota_partner_add", pattern_id=pattern.pk), {"partner": partner.pk, **data}
    )
    assert response.status_code == 400 and message in text_of(response)
    assert not RotaLine.objects.exists()


def test_an_archived_partner_or_another_operators_is_not_offered(
    client, coordinator, pattern, other_operator
):
    client.force_login(coordinator)
    for partner in (
        PartnerFactory(operator=pattern.operator, is_archived=True),
        PartnerFactory(operator=other_operator),
    ):
        response = client.post(
            url("rota_partner_add", pattern_id=pattern.pk), {"partner": partner.pk}
        )
        assert response.status_code == 400
        assert "Sélectionnez un choix valide" in text_of(response)
    assert not RotaLine.objects.exists()


def test_a_partner_member_is_not_offered_as_an_agent(client, coordinator, pattern, make_member):
    client.force_login(coordinator)
    partner_user = make_member(pattern.operator, Role.PARTNER)
    response = client.post(
        url("rota_agent_add", pattern_id=pattern.pk),
        {"user": partner_user.pk, "duty_role": DutyRole.RECEPTION},
    )
    assert response.status_code == 400 and "Sélectionnez un choix valide" in text_of(response)
    assert not RotaLine.objects.exists()


def test_a_person_already_on_another_pattern_at_that_hour_is_refused(
    client, coordinator, agent, pattern
):
    client.force_login(coordinator)
    other = SchedulePatternFactory(
        operator=pattern.operator,
        weekday=1,
        start_time=T(10),
        end_time=T(12),
        valid_from=datetime.date(2026, 6, 1),
        valid_until=datetime.date(2026, 6, 30),
        label="Mardi au marché",
    )
    data = {"user": agent.pk, "duty_role": DutyRole.RECEPTION}
    assert client.post(url("rota_agent_add", pattern_id=other.pk), data).status_code == 302
    response = client.post(url("rota_agent_add", pattern_id=pattern.pk), data)
    assert response.status_code == 400
    assert "« Mardi au marché »" in text_of(response)
    assert RotaLine.objects.count() == 1


def test_removing_a_line_shows_what_goes_first(client, coordinator, pattern):
    client.force_login(coordinator)
    partner = PartnerFactory(operator=pattern.operator, name="France Travail")
    client.post(url("rota_partner_add", pattern_id=pattern.pk), {"partner": partner.pk})
    client.post(url("pattern_generate", pattern_id=pattern.pk))
    line = RotaLine.objects.get()
    page = text_of(client.get(url("rota_line_remove", line_id=line.pk)))
    assert "Permanences qui changent : 3" in page and "retrait de France Travail" in page
    assert PartnerPresence.objects.count() == 3
    client.post(url("rota_line_remove", line_id=line.pk))
    assert not PartnerPresence.objects.exists() and not RotaLine.objects.exists()


@pytest.mark.parametrize("role", [Role.AGENT, Role.PARTNER])
def test_only_the_coordinator_changes_a_rota(client, operator, make_member, pattern, role):
    client.force_login(make_member(operator, role))
    partner = PartnerFactory(operator=operator)
    response = client.post(url("rota_partner_add", pattern_id=pattern.pk), {"partner": partner.pk})
    assert response.status_code == 403
    assert client.post(url("rota_apply", pattern_id=pattern.pk)).status_code == 403
    assert not RotaLine.objects.exists()


# A year's rota for the demo's nine partners ------------------------------------------------------

SCHOOL_YEAR = (datetime.date(2026, 9, 1), datetime.date(2027, 6, 30))
SUMMER = (datetime.date(2027, 7, 1), datetime.date(2027, 8, 31))
# The demo's rhythm (allervers/demo/planning.py): period, weekday, hours, site.
RHYTHMS = [(SCHOOL_YEAR, *session) for session in demo_planning.SCHOOL_YEAR_RHYTHM] + [
    (SUMMER, *session) for session in demo_planning.SUMMER_RHYTHM
]


def test_a_years_rota_for_nine_partners_takes_under_30_submissions(
    client, coordinator, agent, operator, make_member
):
    second_agent = make_member(operator, Role.AGENT)
    vehicle = VehicleFactory(operator=operator)
    sites = [SiteFactory(operator=operator, name=site["name"]) for site in demo_data.SITES]
    partners = [
        PartnerFactory(operator=operator, slug=slug, name=name)
        for slug, name, *_ in demo_data.PARTNERS
    ]
    assert len(partners) == 9
    patterns = [
        SchedulePatternFactory(
            operator=operator,
            vehicle=vehicle,
            site=sites[site],
            weekday=weekday,
            start_time=start,
            end_time=end,
            valid_from=period[0],
            valid_until=period[1],
        )
        for period, weekday, (start, end), site in RHYTHMS
    ]
    # Who comes with which pattern: three partners a school-year session, two in summer.
    teams = [partners[0:3], partners[3:6], partners[6:9], partners[0:2], partners[4:6]]
    posts = 0

    def post(name, data=None, **kwargs):
        nonlocal posts
        posts += 1
        response = client.post(url(name, **kwargs), data or {})
        assert response.status_code == 302, text_of(response)

    client.force_login(coordinator)
    for pattern, team in zip(patterns, teams, strict=True):
        for partner in team:
            post("rota_partner_add", {"partner": partner.pk}, pattern_id=pattern.pk)
        for user, duty in ((agent, DutyRole.RECEPTION), (second_agent, DutyRole.CYBER)):
            post("rota_agent_add", {"user": user.pk, "duty_role": duty}, pattern_id=pattern.pk)
        post("pattern_generate", pattern_id=pattern.pk)

    assert posts < 30
    stops = Stop.objects.for_operator(operator).held()
    assert stops.count() > 100
    for stop in stops.prefetch_related("presences", "staff_assignments"):
        assert len(stop.presences.all()) in (2, 3) and len(stop.staff_assignments.all()) == 2
    for month in range(12):
        first = datetime.date(2026 + (8 + month) // 12, (8 + month) % 12 + 1, 1)
        coverage = month_coverage(operator, first, Stop.objects.for_operator(operator))
        assert coverage.stop_warnings == [], first
    assert SchedulePattern.objects.count() == 5


# Coverage a coordinator can act on ---------------------------------------------------------------


def test_coverage_shows_gaps_by_week_and_pattern_with_the_action_that_fixes_them(
    client, coordinator, pattern
):
    client.force_login(coordinator)
    client.post(url("pattern_generate", pattern_id=pattern.pk))
    page = text_of(client.get(url("coverage"), {"month": "2026-06"}))
    warnings = page.split("Points d'attention")[1].split("Par rythme")[0]
    assert "Semaine du 15 juin" in warnings and "Semaine du 29 juin" in warnings
    assert warnings.count("Aucun partenaire prévu.") == 3
    assert warnings.count("Aucun agent prévu.") == 3
    assert warnings.count(url("pattern_detail", pattern_id=pattern.pk)) == 6
    by_pattern = page.split("Par rythme")[1]
    assert "Mardi matin" in by_pattern and "Compléter l'équipe" in by_pattern


def test_coverage_shows_an_agent_or_a_partner_at_two_places_at_once(
    client, coordinator, agent, operator, make_member
):
    day = datetime.date(2026, 6, 16)
    partner = PartnerFactory(operator=operator, name="France Travail")
    first = StopFactory(operator=operator, date=day, site__name="Regain")
    second = StopFactory(  # another vehicle, the same morning
        operator=operator, date=day, site__name="Marché", start_time=T(11), end_time=T(13)
    )
    for stop in (first, second):
        PartnerPresenceFactory(stop=stop, operator=operator, partner=partner)
        StaffAssignmentFactory(stop=stop, operator=operator, user=agent)
    # Staggered hours on a third stop: no conflict.
    later = StopFactory(
        operator=operator, date=day, site__name="Gare", start_time=T(14), end_time=T(17)
    )
    PartnerPresenceFactory(stop=later, operator=operator, partner=partner)
    client.force_login(coordinator)
    page = text_of(client.get(url("coverage"), {"month": "2026-06"}))
    assert "France Travail est aussi prévu à Marché de 11:00 à 13:00" in page
    assert "France Travail est aussi prévu à Regain de 09:00 à 12:00" in page
    assert f"{agent.get_full_name()} est aussi désigné à Marché" in page
    assert "à Gare" not in page
    assert url("stop_detail", stop_id=first.pk) in page

    client.force_login(make_member(operator, Role.PARTNER, partner=partner))
    page = text_of(client.get(url("coverage"), {"month": "2026-06"}))
    assert "France Travail est aussi prévu à Marché" in page
    assert agent.get_full_name() not in page and "Aucun agent prévu" not in page


def test_a_partner_declares_every_tuesday_the_coordinator_accepts_and_the_stops_show_it(
    client, coordinator, pattern, make_member
):
    partner = PartnerFactory(operator=pattern.operator, name="France Travail")
    person = make_member(pattern.operator, Role.PARTNER, partner=partner)
    client.force_login(coordinator)
    client.post(url("pattern_generate", pattern_id=pattern.pk))

    client.force_login(person)
    page = text_of(client.get(url("pattern_detail", pattern_id=pattern.pk)))
    assert "Venir chaque mardi avec ce rythme" in page
    response = client.post(url("rota_declare", pattern_id=pattern.pk), {"start_time": "07:00"})
    assert response.status_code == 400 and "Choisissez une heure entre 09:00" in text_of(response)
    response = client.post(url("rota_declare", pattern_id=pattern.pk), {}, follow=True)
    assert "la coordination l'accepte d'abord" in text_of(response)
    assert "Venir chaque mardi" not in text_of(response)  # declared once
    assert not PartnerPresence.objects.exists()
    assert (
        client.get(url("rota_line_approve", line_id=RotaLine.objects.get().pk)).status_code == 403
    )

    client.force_login(coordinator)
    line = RotaLine.objects.get()
    home = text_of(client.get(reverse("home")))
    waiting = home.split("Présences régulières à accepter")[1].split("</section>")[0]
    assert "France Travail déclare venir chaque mardi avec le rythme" in waiting
    assert url("pattern_detail", pattern_id=pattern.pk) in waiting
    page = text_of(client.get(url("pattern_detail", pattern_id=pattern.pk)))
    assert "en attente d'accord" in page
    response = client.post(url("rota_line_approve", line_id=line.pk), follow=True)
    assert "France Travail est dans l'équipe du rythme" in text_of(response)
    for stop in Stop.objects.all():
        page = text_of(client.get(url("stop_detail", stop_id=stop.pk)))
        assert "France Travail" in page.split("Partenaires présents")[1]
    assert "Présences régulières à accepter" not in text_of(client.get(reverse("home")))


def test_a_structure_that_needs_no_approval_gets_the_declaration_on_its_stops_and_is_told(
    client,
    coordinator,
    pattern,
    make_member,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    partner = PartnerFactory(operator=pattern.operator, name="France Travail")
    person = make_member(pattern.operator, Role.PARTNER, partner=partner)
    client.force_login(coordinator)
    settings_page = text_of(client.get(SETTINGS_URL))
    assert "Les présences régulières déclarées par les partenaires attendent votre accord" in (
        settings_page
    )
    assert client.post(SETTINGS_URL, valid_settings()).status_code == 302  # unticked
    pattern.operator.refresh_from_db()
    assert pattern.operator.partner_rota_needs_approval is False
    client.post(url("pattern_generate", pattern_id=pattern.pk))

    client.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("rota_declare", pattern_id=pattern.pk), {}, follow=True)
    assert response.status_code == 200
    assert RotaLine.objects.get().approved
    assert PartnerPresence.objects.filter(partner=partner).count() == Stop.objects.count() == 3
    assert [message.to for message in mailoutbox] == [[coordinator.email]]
    assert "déjà inscrite" in mailoutbox[0].body

    client.force_login(coordinator)
    assert "Présences régulières à accepter" not in text_of(client.get(reverse("home")))
    assert "France Travail" in text_of(client.get(url("pattern_detail", pattern_id=pattern.pk)))


# Copy forward ------------------------------------------------------------------------------------


def test_the_school_years_patterns_and_team_are_copied_to_the_summer_after_a_preview(
    client, coordinator, agent, operator
):
    vehicle = VehicleFactory(operator=operator)
    school = SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        label="Année scolaire 2026 — Regain",
        weekday=1,
        valid_from=datetime.date(2026, 6, 1),
        valid_until=datetime.date(2026, 6, 30),
    )
    partner = PartnerFactory(operator=operator, name="France Travail")
    RotaLine.objects.create(operator=operator, pattern=school, partner=partner, start_time=T(10))
    RotaLine.objects.create(operator=operator, pattern=school, user=agent, duty_role="reception")
    # A Thursday pattern whose hours the vehicle already has in summer: not copied.
    SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        label="Jeudi",
        weekday=3,
        valid_from=datetime.date(2026, 6, 1),
        valid_until=datetime.date(2026, 6, 30),
    )
    SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        label="Été jeudi",
        weekday=3,
        valid_from=datetime.date(2026, 7, 1),
        valid_until=datetime.date(2026, 8, 31),
    )
    dates = {
        "source_from": "2026-06-01",
        "source_until": "2026-06-30",
        "target_from": "2026-07-01",
        "target_until": "2026-08-31",
    }
    client.force_login(coordinator)
    page = text_of(client.get(url("patterns_copy"), dates))
    assert "Aperçu : 2 rythmes" in page
    assert "copié en « Année scolaire 2026 — Regain »" in page and "avec 2 personnes" in page
    assert "pas copié : le bus a déjà le rythme « Été jeudi »" in page
    assert SchedulePattern.objects.count() == 3  # a preview saves nothing

    response = client.post(url("patterns_copy"), dates, follow=True)
    assert "1 rythme copié avec leur équipe" in text_of(response)
    copy = SchedulePattern.objects.get(valid_from=datetime.date(2026, 7, 1), weekday=1)
    assert (copy.valid_until, copy.site_id, copy.start_time) == (
        datetime.date(2026, 8, 31),
        school.site_id,
        school.start_time,
    )
    assert {(line.partner_id, line.user_id, line.start_time) for line in copy.rota_lines.all()} == {
        (partner.pk, None, T(10)),
        (None, agent.pk, None),
    }
    assert not Stop.objects.exists()


@pytest.mark.parametrize(
    ("dates", "message"),
    [
        (("2026-06-30", "2026-06-01", "2026-07-01", "2026-08-31"), "La fin d'une période"),
        (("2026-06-01", "2026-06-30", "2026-06-15", "2026-08-31"), "commencer après la fin"),
        (("2026-06-01", "2026-06-30", "2026-07-01", "2029-08-31"), "dépasser deux ans"),
        (("2026-06-01", "2026-06-30", "2026-07-01", "pas une date"), "Saisissez une date valide"),
        (("2025-06-01", "2025-06-30", "2026-07-01", "2026-08-31"), "Aucun rythme à copier"),
    ],
)
def test_a_wrong_copy_is_refused_and_nothing_saved(client, coordinator, pattern, dates, message):
    client.force_login(coordinator)
    names = ("source_from", "source_until", "target_from", "target_until")
    response = client.post(url("patterns_copy"), dict(zip(names, dates, strict=True)))
    assert response.status_code == 400 and message in text_of(response)
    assert SchedulePattern.objects.count() == 1


def test_a_copy_whose_team_does_not_fit_is_refused_whole(client, coordinator, agent, pattern):
    RotaLine.objects.create(
        operator=pattern.operator, pattern=pattern, user=agent, duty_role="reception"
    )
    summer = SchedulePatternFactory(
        operator=pattern.operator,
        weekday=1,
        valid_from=datetime.date(2026, 7, 1),
        valid_until=datetime.date(2026, 8, 31),
        label="Marché d'été",
    )
    RotaLine.objects.create(
        operator=pattern.operator, pattern=summer, user=agent, duty_role="reception"
    )
    client.force_login(coordinator)
    response = client.post(
        url("patterns_copy"),
        {
            "source_from": "2026-06-01",
            "source_until": "2026-06-30",
            "target_from": "2026-07-01",
            "target_until": "2026-08-31",
        },
    )
    assert response.status_code == 400
    assert "« Mardi matin » :" in text_of(response) and "« Marché d'été »" in text_of(response)
    assert SchedulePattern.objects.count() == 2 and RotaLine.objects.count() == 2
