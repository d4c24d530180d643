import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.planning.enums import CancelReason, DutyRole, StopStatus
from tests.html import text_of
from tests.planning.factories import (
    PartnerPresenceFactory,
    StaffAssignmentFactory,
    StopFactory,
)


@pytest.fixture
def todays_stop(operator, agent):
    stop = StopFactory(
        operator=operator,
        date=timezone.localdate(),
        site__name="Place du Regain",
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    PartnerPresenceFactory(stop=stop, partner__name="Mission locale")
    StaffAssignmentFactory(stop=stop, user=agent, duty_role=DutyRole.CYBER)
    return stop


def test_home_shows_todays_stop_with_site_hours_partners_and_agents(client, agent, todays_stop):
    client.force_login(agent)
    page = text_of(client.get(reverse("home")))
    today_section = page.split("Aujourd'hui")[1].split("Prochaines permanences")[0]
    assert "Place du Regain" in today_section
    assert "09h00–12h00" in today_section
    assert "Mission locale" in today_section
    assert agent.get_full_name() in today_section
    assert "animation du cyber@atelier" in today_section


def test_home_lists_the_next_stops_and_not_the_past_ones(client, agent, operator):
    today = timezone.localdate()
    StopFactory(operator=operator, date=today - datetime.timedelta(days=3), title="Passé")
    StopFactory(operator=operator, date=today + datetime.timedelta(days=2), title="Bientôt")
    client.force_login(agent)
    page = text_of(client.get(reverse("home")))
    assert "Bientôt" in page
    assert "Passé" not in page
    assert "Pas de permanence du bus aujourd'hui" in page


def test_home_shows_a_recent_cancellation(client, agent, operator):
    StopFactory(
        operator=operator,
        date=timezone.localdate() + datetime.timedelta(days=3),
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.BREAKDOWN,
        cancelled_at=timezone.now(),
    )
    client.force_login(agent)
    assert "Panne du bus" in text_of(client.get(reverse("home")))


def test_a_partner_sees_the_stops_of_its_own_organisation(client, operator, make_member):
    user = make_member(operator, Role.PARTNER)
    partner = user.memberships.get().partner
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    ours = StopFactory(operator=operator, date=tomorrow, title="Avec nous")
    PartnerPresenceFactory(stop=ours, partner=partner)
    StopFactory(operator=operator, date=tomorrow + datetime.timedelta(days=1), title="Sans nous")
    client.force_login(user)
    page = text_of(client.get(reverse("home")))
    assert "Vos prochaines permanences" in page
    assert "Avec nous" in page
    assert "Sans nous" not in page


def test_a_viewer_sees_figures_only(client, operator, make_member, todays_stop):
    client.force_login(make_member(operator, Role.VIEWER))
    page = text_of(client.get(reverse("home")))
    assert "Permanences tenues" in page
    assert "Mission locale" not in page


def test_home_runs_a_fixed_number_of_queries(
    client, agent, operator, django_assert_max_num_queries
):
    today = timezone.localdate()
    for offset in range(10):
        stop = StopFactory(operator=operator, date=today + datetime.timedelta(days=offset))
        PartnerPresenceFactory(stop=stop)
        StaffAssignmentFactory(stop=stop)
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("home")).status_code == 200
