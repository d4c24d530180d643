"""The first steps on a new structure's home: ticked from the data, gone when all are done."""

import pytest
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.models import Operator
from allervers.planning.first_steps import first_steps
from allervers.planning.models import RotaLine
from allervers.screening.enums import RightKind
from allervers.screening.models import ScreeningSetup
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    SchedulePatternFactory,
    SiteFactory,
    SpaceFactory,
    StopFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db

TITLE = "Premiers pas de la structure"


def _done(operator) -> dict[str, bool]:
    return {step.label: step.done for step in first_steps(Operator.objects.get(pk=operator.pk))}


def _map_rights(operator, partner) -> None:
    ScreeningSetup.objects.create(
        operator=operator, **{f"partner_{kind}": partner for kind in RightKind.values}
    )


def _complete(operator, make_member) -> None:
    SpaceFactory(vehicle=VehicleFactory(operator=operator))
    SiteFactory(operator=operator)
    partner = PartnerFactory(operator=operator)
    StopFactory(operator=operator)
    RotaLine.objects.create(
        operator=operator, pattern=SchedulePatternFactory(operator=operator), partner=partner
    )
    _map_rights(operator, partner)
    make_member(operator, Role.AGENT)
    make_member(operator, Role.AGENT)
    Operator.objects.filter(pk=operator.pk).update(public_page_seen_at="2026-06-10T08:00Z")


def test_a_new_structure_sees_eight_steps_to_do_each_a_link(client, coordinator, operator):
    client.force_login(coordinator)
    response = client.get(reverse("home"))
    page = text_of(response)
    assert TITLE in page
    assert page.count("À faire :") == 8
    html = response.content.decode()
    for url_name in (
        "vehicles:list",
        "planning:site_list",
        "partners:list",
        "planning:pattern_list",
        "operators:member_list",
        "screening:setup",
        "planning:public_page_visit",
    ):
        assert f'href="{reverse(url_name)}"' in html


def test_each_step_is_ticked_by_the_data(operator, make_member):
    assert not any(_done(operator).values())
    vehicle = VehicleFactory(operator=operator)
    assert not _done(operator)["Le véhicule et ses espaces"]  # a vehicle without its spaces
    SpaceFactory(vehicle=vehicle)
    assert _done(operator)["Le véhicule et ses espaces"]
    SiteFactory(operator=operator, is_archived=True)
    assert not _done(operator)["Les lieux de stationnement"]  # an archived site does not count
    SiteFactory(operator=operator)
    assert _done(operator)["Les lieux de stationnement"]
    PartnerFactory(operator=operator)
    assert _done(operator)["Les partenaires"]
    StopFactory(operator=operator)
    assert _done(operator)["Un rythme ou une permanence"]
    make_member(operator, Role.AGENT)
    assert not _done(operator)["Au moins 2 agents"]
    make_member(operator, Role.AGENT)
    assert _done(operator)["Au moins 2 agents"]
    partner = PartnerFactory(operator=operator)
    pattern = SchedulePatternFactory(operator=operator)
    agent = make_member(operator, Role.AGENT)
    RotaLine.objects.create(operator=operator, pattern=pattern, user=agent, duty_role="reception")
    assert not _done(operator)["L'équipe habituelle des rythmes"]  # agents only: not yet
    RotaLine.objects.create(operator=operator, pattern=pattern, partner=partner)
    assert _done(operator)["L'équipe habituelle des rythmes"]
    ScreeningSetup.objects.create(operator=operator, partner_rsa=partner)
    assert not _done(operator)["Le partenaire de chaque droit"]  # one right of eight
    ScreeningSetup.objects.filter(operator=operator).update(
        **{f"partner_{kind}": partner for kind in RightKind.values}
    )
    assert _done(operator)["Le partenaire de chaque droit"]


def test_another_structures_data_ticks_nothing(operator, other_operator, make_member):
    _complete(other_operator, make_member)
    assert not any(_done(operator).values())


def test_looking_at_the_public_page_ticks_its_step_once(client, coordinator, operator):
    client.force_login(coordinator)
    response = client.get(reverse("planning:public_page_visit"))
    assert response.status_code == 302
    assert response["Location"] == reverse("public:operator", args=[operator.slug])
    first = Operator.objects.get(pk=operator.pk).public_page_seen_at
    assert first is not None
    client.get(reverse("planning:public_page_visit"))
    assert Operator.objects.get(pk=operator.pk).public_page_seen_at == first


def test_the_checklist_is_gone_when_all_is_done(client, coordinator, operator, make_member):
    _complete(operator, make_member)
    assert all(_done(operator).values())
    client.force_login(coordinator)
    assert TITLE not in text_of(client.get(reverse("home")))


def test_only_the_coordinator_sees_the_checklist(client, operator, make_member):
    client.force_login(make_member(operator, Role.AGENT))
    assert TITLE not in text_of(client.get(reverse("home")))


def test_the_checklist_costs_the_same_queries_whatever_the_data(
    operator, make_member, django_assert_num_queries
):
    for _ in range(3):
        SpaceFactory(vehicle=VehicleFactory(operator=operator))
        SiteFactory(operator=operator)
        PartnerFactory(operator=operator)
        make_member(operator, Role.AGENT)
    with django_assert_num_queries(8):
        first_steps(operator)
