"""The coordinator's screen of the themes offered to residents who book online."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from allervers.bookings.models import TopicPartner
from allervers.bookings.services import topics
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.reception.factories import TopicFactory

pytestmark = pytest.mark.django_db

URL = reverse("bookings:topic_partners")


@pytest.fixture
def things(operator):
    return {
        "emploi": TopicFactory(operator=operator, name="Emploi"),
        "papiers": TopicFactory(operator=operator, name="Papiers"),
        "mission": PartnerFactory(operator=operator, name="Mission locale"),
        "plie": PartnerFactory(operator=operator, name="PLIE"),
    }


def mapping(operator) -> dict:
    return TopicPartner.objects.for_operator(operator).partner_ids_by_topic()


def test_the_coordinator_sets_the_partners_of_each_theme(client, coordinator, operator, things):
    client.force_login(coordinator)
    page = text_of(client.get(URL))
    assert "<legend>Emploi" in page and "Mission locale" in page and "PLIE" in page
    emploi, papiers = things["emploi"].pk, things["papiers"].pk
    mission, plie = things["mission"].pk, things["plie"].pk
    response = client.post(URL, {f"topic_{emploi}": [mission, plie]})
    assert response.status_code == 302
    assert mapping(operator) == {emploi: {mission, plie}}
    client.post(URL, {f"topic_{emploi}": [plie], f"topic_{papiers}": [mission]})
    assert mapping(operator) == {emploi: {plie}, papiers: {mission}}
    assert "checked" in text_of(client.get(URL))
    client.post(URL, {})
    assert mapping(operator) == {}


def test_another_operators_partner_is_refused_and_nothing_changes(
    client, coordinator, operator, other_operator, things
):
    client.force_login(coordinator)
    foreign = PartnerFactory(operator=other_operator)
    response = client.post(URL, {f"topic_{things['emploi'].pk}": [foreign.pk]})
    assert response.status_code == 400
    assert "Ce partenaire n'existe pas" in text_of(response)
    assert not TopicPartner.objects.exists()


def test_the_service_refuses_to_mix_operators(operator, other_operator, things):
    with pytest.raises(ValidationError):
        topics.topic_partners_set(
            operator=other_operator, mapping={things["emploi"]: [things["mission"]]}
        )
    assert not TopicPartner.objects.exists()


def test_an_agent_may_not_change_the_themes(client, agent):
    client.force_login(agent)
    assert client.get(URL).status_code == 403
