"""A coordinator sets the school year's pattern with two partners and an agent, and the summer's
with one partner (and the agent); the year's stops carry them; she marks a partner absent on one
date, changes the pattern's rota, the absence is kept, and the coverage shows no gap in any month
of the year."""

import datetime

import pytest

from allervers.core.roles import Role
from allervers.planning.models import PartnerPresence, Stop
from allervers.planning.queries import month_coverage
from tests.browser.conftest import assert_accessible, log_in
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SchedulePatternFactory, SiteFactory, VehicleFactory

pytestmark = pytest.mark.django_db(transaction=True)

T = datetime.time


def add_partner(page, name: str) -> None:
    page.get_by_role("link", name="Ajouter un partenaire").click()
    page.get_by_label("Partenaire").select_option(label=name)
    assert_accessible(page)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text(f"{name} est dans l'équipe du rythme").wait_for()


def add_agent(page, name: str) -> None:
    page.get_by_role("link", name="Ajouter un agent").click()
    page.get_by_label("Agent").select_option(label=name)
    page.get_by_label("Accueil et orientation").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_text(f"{name} est dans l'équipe du rythme").wait_for()


def test_a_years_rota_with_an_absence_kept(live_server, page, operator, make_member):
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Nadia")
    make_member(operator, Role.AGENT, first_name="Karim", last_name="Benali")
    PartnerFactory(operator=operator, name="France Travail")
    PartnerFactory(operator=operator, name="Mission locale")
    vehicle = VehicleFactory(operator=operator)
    school = SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        site=SiteFactory(operator=operator, name="Place du Regain"),
        label="Année scolaire — Regain",
        weekday=1,
        start_time=T(9),
        end_time=T(12),
        valid_from=datetime.date(2026, 9, 1),
        valid_until=datetime.date(2027, 6, 30),
        skip_school_holidays=True,
    )
    summer = SchedulePatternFactory(
        operator=operator,
        vehicle=vehicle,
        site=SiteFactory(operator=operator, name="Parc des Îles"),
        label="Été — Parc",
        weekday=3,
        start_time=T(9),
        end_time=T(12),
        valid_from=datetime.date(2026, 7, 1),
        valid_until=datetime.date(2026, 8, 31),
    )

    log_in(page, live_server.url, coordinator)
    page.get_by_role("heading", name="Bonjour Nadia").wait_for()
    page.goto(f"{live_server.url}/planning/rythmes/{school.pk}/")
    add_partner(page, "France Travail")
    add_partner(page, "Mission locale")
    add_agent(page, "Karim Benali")
    assert_accessible(page)
    page.get_by_role("button", name="Créer les").click()
    page.get_by_text("permanences créées").wait_for()

    page.goto(f"{live_server.url}/planning/rythmes/{summer.pk}/")
    add_partner(page, "France Travail")
    add_agent(page, "Karim Benali")
    page.get_by_role("button", name="Créer les").click()
    page.get_by_text("permanences créées").wait_for()

    school_stops = Stop.objects.filter(pattern=school).order_by("date")
    assert school_stops.count() > 25
    for stop in school_stops:
        assert {p.partner.name for p in stop.presences.all()} == {
            "France Travail",
            "Mission locale",
        }
        assert [a.user.first_name for a in stop.staff_assignments.all()] == ["Karim"]
    summer_stops = Stop.objects.filter(pattern=summer)
    assert summer_stops.count() == 9  # the Thursdays of July and August
    for stop in summer_stops:
        assert [p.partner.name for p in stop.presences.all()] == ["France Travail"]
        assert [a.user.first_name for a in stop.staff_assignments.all()] == ["Karim"]

    # France Travail is absent on the first Tuesday of the school year.
    first = school_stops.first()
    page.goto(f"{live_server.url}/planning/permanences/{first.pk}/")
    page.get_by_role("link", name="Retirer France Travail").click()
    page.get_by_role("button", name="Retirer la présence").click()
    page.get_by_text("France Travail est noté absent ce jour-là").wait_for()
    page.get_by_text("Absent ce jour-là (équipe du rythme) : France Travail.").wait_for()
    assert_accessible(page)

    # The pattern's rota changes: Mission locale now comes from 10:00.
    page.goto(f"{live_server.url}/planning/rythmes/{school.pk}/")
    page.get_by_role("link", name="modifier Mission locale").click()
    page.get_by_label("Arrivée (facultatif)").fill("10:00")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Appliquer l'équipe").click()
    page.get_by_text("France Travail : absent ce jour-là").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Appliquer aux permanences à venir").click()
    page.get_by_text("1 exception gardée").wait_for()

    assert not PartnerPresence.objects.filter(stop=first, partner__name="France Travail").exists()
    assert all(
        stop.presences.get(partner__name="Mission locale").start_time == T(10)
        for stop in school_stops
    )

    # In July, a summer month, no stop lacks anyone (Mission locale, of the school year only,
    # is listed as not come for a month: a partner's line, not a gap).
    page.goto(f"{live_server.url}/planning/couverture/?month=2026-07")
    page.get_by_role("heading", name="Points d'attention").wait_for()
    july = page.content()
    assert "Aucun partenaire prévu" not in july and "Aucun agent prévu" not in july
    assert "aussi prévu" not in july and "aussi désigné" not in july
    page.goto(f"{live_server.url}/planning/couverture/?month=2026-09")  # the absence's month
    page.get_by_text("Rien à signaler ce mois-ci.").wait_for()
    assert_accessible(page)
    # No gap in any month of the year: every stop has a partner and an agent, no conflict.
    stops = Stop.objects.for_operator(operator)
    for month in range(12):
        first = datetime.date(2026 + (6 + month) // 12, (6 + month) % 12 + 1, 1)
        assert month_coverage(operator, first, stops).stop_warnings == [], first
