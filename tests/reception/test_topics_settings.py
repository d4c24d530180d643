"""The coordinator edits the request themes: rename, order (buttons, no JS), archive, restore.
A new structure starts from the default list."""

import pytest
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.services import operator_create
from allervers.reception.models import Topic
from allervers.reception.services.topics import DEFAULT_TOPICS
from tests.html import text_of
from tests.reception.factories import TopicFactory

pytestmark = pytest.mark.django_db

URL = reverse("reception:settings")


def order(operator, archived: bool = False) -> list[str]:
    return list(
        Topic.objects.filter(operator=operator, is_archived=archived)
        .order_by("position", "name")
        .values_list("slug", flat=True)
    )


def test_a_new_structure_starts_from_the_default_topics():
    operator = operator_create(
        name="CCAS de Hersin", slug="ccas-hersin", coordinator_email="nadia@ccas-hersin.fr"
    )
    assert order(operator) == [slug for slug, _ in DEFAULT_TOPICS]


def test_renaming_keeps_the_topic_and_its_visits(client, coordinator, operator, topics):
    client.force_login(coordinator)
    rsa = topics["rsa"]
    response = client.post(
        URL, {"action": "topic_rename", "topic": rsa.pk, "name": " Revenu de  solidarité "}
    )
    assert response.status_code == 302
    rsa.refresh_from_db()
    assert (rsa.name, rsa.slug) == ("Revenu de solidarité", "rsa")
    # The old name is free again.
    assert client.post(URL, {"action": "topic_add", "name": "RSA"}).status_code == 302
    assert Topic.objects.get(operator=operator, name="RSA").slug == "rsa-2"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("santé", "La thématique « santé » existe déjà."),
        ("SANTÉ", "La thématique « SANTÉ » existe déjà."),
        ("", "Indiquez le nom de la thématique."),
        ("!!!", "utilisez des lettres"),
        ("x" * 201, "200 caractères"),
    ],
)
def test_a_bad_new_name_is_refused_in_french(client, coordinator, operator, topics, name, message):
    client.force_login(coordinator)
    response = client.post(URL, {"action": "topic_rename", "topic": topics["caf"].pk, "name": name})
    assert response.status_code == 400
    assert message in text_of(response)
    topics["caf"].refresh_from_db()
    assert topics["caf"].name == "CAF"


def test_up_and_down_buttons_order_the_topics(client, coordinator, operator, topics):
    client.force_login(coordinator)
    slugs = [slug for slug, _ in DEFAULT_TOPICS]
    client.post(URL, {"action": "topic_up", "topic": topics["rsa"].pk})
    assert order(operator)[:3] == ["emploi", "rsa", "ouverture-droits"]
    client.post(URL, {"action": "topic_up", "topic": topics["emploi"].pk})  # already first
    assert order(operator)[0] == "emploi"
    client.post(URL, {"action": "topic_down", "topic": topics["autre"].pk})  # already last
    client.post(URL, {"action": "topic_down", "topic": topics["emploi"].pk})
    assert order(operator)[:3] == ["rsa", "emploi", "ouverture-droits"]
    assert order(operator)[-1] == "autre" and sorted(order(operator)) == sorted(slugs)
    page = text_of(client.get(URL))
    assert page.index("RSA") < page.index("Démarches administratives")
    assert 'value="topic_up"' in page and 'value="topic_down"' in page


def test_archiving_and_restoring_a_topic(client, coordinator, operator, topics):
    client.force_login(coordinator)
    client.post(URL, {"action": "topic_archive", "topic": topics["mobilite"].pk})
    assert "mobilite" in order(operator, archived=True)
    assert "(archivée)" in text_of(client.get(URL))
    client.post(URL, {"action": "topic_restore", "topic": topics["mobilite"].pk})
    assert "mobilite" in order(operator)


@pytest.mark.parametrize("raw", ["", "abc", "999999"])
def test_an_unknown_or_foreign_topic_changes_nothing(
    client, coordinator, operator, other_operator, topics, raw
):
    foreign = TopicFactory(operator=other_operator, name="Santé du voisin")
    client.force_login(coordinator)
    for topic in (raw, foreign.pk):
        response = client.post(URL, {"action": "topic_rename", "topic": topic, "name": "Piraté"})
        assert response.status_code == 302
        assert "Thématique inconnue." in text_of(client.get(URL))
    foreign.refresh_from_db()
    assert foreign.name != "Piraté"
    assert not Topic.objects.filter(name="Piraté").exists()


def test_only_the_coordinator_edits_the_topics(client, operator, make_member, topics):
    for role in (Role.AGENT, Role.PARTNER, Role.VIEWER):
        client.force_login(make_member(operator, role))
        response = client.post(URL, {"action": "topic_up", "topic": topics["rsa"].pk})
        assert response.status_code == 403
    assert order(operator)[1] == "ouverture-droits"
