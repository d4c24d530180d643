"""Erasure asks for a coordinator (issue 23 point 5): an agent requests it, a coordinator
confirms or refuses from the list; a structure may let its agents erase at once."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.core.roles import Role
from allervers.reception.enums import ErasureDecision
from allervers.reception.models import ErasureRequest, Person
from allervers.reception.services.privacy import person_anonymise
from tests.html import text_of
from tests.operators.test_settings import URL as SETTINGS_URL
from tests.operators.test_settings import valid as valid_settings
from tests.reception.factories import PersonFactory, VisitFactory
from tests.submissions.conftest import token_in

pytestmark = pytest.mark.django_db

LIST_URL = reverse("reception:erasure_request_list")


def _erase_url(person) -> str:
    return reverse("reception:person_erase", kwargs={"person_id": person.pk})


def _decide_url(pk: int) -> str:
    return reverse("reception:erasure_request_decide", kwargs={"erasure_request_id": pk})


def _actions(operator) -> list[str]:
    return list(
        AccessLogEntry.objects.for_operator(operator)
        .exclude(action=Action.PERSON_VIEWED)
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture
def amina(operator, agent):
    person = PersonFactory(
        operator=operator, first_name="Amina", last_name="Lemaire", consent_recorded_by=agent
    )
    VisitFactory(operator=operator, person=person, note="Amina, sa fille malade")
    return person


def _ask(client, person, **data):
    url = _erase_url(person)
    token = token_in(client.get(url))
    return client.post(url, {"confirmed": "on", "submission_token": token, **data})


@pytest.fixture
def requested(client, agent, amina):
    client.force_login(agent)
    _ask(client, amina, reason="Elle l'a demandé à l'accueil")
    client.logout()
    return ErasureRequest.objects.get()


# --- The agent asks ----------------------------------------------------------------------------


def test_an_agent_asks_and_the_person_stays_until_a_coordinator_confirms(
    client, operator, agent, amina
):
    client.force_login(agent)
    detail = text_of(client.get(reverse("reception:person_detail", args=[amina.pk])))
    assert "Demander l'effacement de sa fiche" in detail and "Effacer sa fiche" not in detail
    page = text_of(client.get(_erase_url(amina)))
    assert "Demander l'effacement de la fiche de Amina LEMAIRE" in page

    response = _ask(client, amina, reason="Elle l'a demandé à l'accueil")
    assert response.url == reverse("reception:person_detail", args=[amina.pk])
    assert Person.objects.filter(pk=amina.pk).exists()
    request = ErasureRequest.objects.for_operator(operator).get()
    assert (request.person, request.requested_by, request.decision) == (
        amina,
        agent,
        ErasureDecision.PENDING,
    )
    assert request.reason == "Elle l'a demandé à l'accueil" and request.decided_at is None
    entry = AccessLogEntry.objects.for_operator(operator).get(action=Action.ERASURE_REQUESTED)
    assert (entry.user, entry.person_id) == (agent, amina.pk)
    assert "Amina" not in entry.detail
    detail = text_of(client.get(reverse("reception:person_detail", args=[amina.pk])))
    assert "en attente de la coordination" in detail


def test_asking_twice_returns_the_pending_request(client, operator, agent, make_member, amina):
    client.force_login(agent)
    _ask(client, amina)
    assert "déjà en attente" in text_of(client.get(_erase_url(amina)))
    # Another agent whose page was opened before the first request: no second request.
    client.force_login(make_member(operator, Role.AGENT))
    assert client.post(_erase_url(amina), {"confirmed": "on"}).status_code == 302
    assert ErasureRequest.objects.count() == 1
    assert _actions(operator) == [Action.ERASURE_REQUESTED]


def test_asking_without_ticking_the_box_is_refused(client, operator, agent, amina):
    client.force_login(agent)
    response = client.post(_erase_url(amina), {"reason": "x"})
    assert response.status_code == 400
    assert "Cochez la case pour transmettre la demande." in text_of(response)
    response = client.post(_erase_url(amina), {"confirmed": "on", "reason": "x" * 1001})
    assert response.status_code == 400 and "1 000 caractères au plus" in text_of(response)
    assert not ErasureRequest.objects.exists() and _actions(operator) == []


def test_the_database_keeps_one_pending_request_per_person(operator, agent, amina):
    ErasureRequest.objects.create(operator=operator, person=amina, requested_by=agent)
    with pytest.raises(IntegrityError), transaction.atomic():
        ErasureRequest.objects.create(operator=operator, person=amina, requested_by=agent)


# --- The coordinator decides -------------------------------------------------------------------


def test_the_coordinator_confirms_from_the_list(client, operator, coordinator, requested):
    client.force_login(coordinator)
    listed = text_of(client.get(LIST_URL))
    assert "Amina LEMAIRE" in listed
    assert AccessLogEntry.objects.filter(
        action=Action.PERSON_VIEWED, person_id=requested.person_id, user=coordinator
    ).exists()
    page = text_of(client.get(_decide_url(requested.pk)))
    assert "Effacer la fiche de Amina LEMAIRE ?" in page
    assert "Elle l'a demandé à l'accueil" in page
    response = client.post(_decide_url(requested.pk), {"decision": "confirm", "confirmed": "on"})
    assert response.url == LIST_URL
    person_id = requested.person_id
    assert not Person.objects.filter(pk=person_id).exists()
    requested.refresh_from_db()
    assert requested.decision == ErasureDecision.CONFIRMED
    assert requested.decided_by == coordinator and requested.decided_at is not None
    assert requested.person is None and requested.reason == ""
    assert _actions(operator) == [Action.ERASURE_REQUESTED, Action.PERSON_ERASED]
    erased = AccessLogEntry.objects.get(action=Action.PERSON_ERASED)
    assert (erased.user, erased.person_id) == (coordinator, person_id)
    assert "Aucune demande en attente." in text_of(client.get(LIST_URL))

    again = client.post(_decide_url(requested.pk), {"decision": "confirm", "confirmed": "on"})
    assert again.status_code == 400
    assert "Cette demande d'effacement a déjà été traitée" in text_of(again)
    assert _actions(operator) == [Action.ERASURE_REQUESTED, Action.PERSON_ERASED]


def test_the_coordinator_refuses_with_a_reason(client, operator, coordinator, requested):
    client.force_login(coordinator)
    url = _decide_url(requested.pk)
    missing = client.post(url, {"decision": "refuse", "refusal_reason": "  "})
    assert missing.status_code == 400
    assert "Indiquez pourquoi l'effacement est refusé." in text_of(missing)
    unchecked = client.post(url, {"decision": "confirm"})
    assert unchecked.status_code == 400
    assert "Cochez la case pour confirmer l'effacement." in text_of(unchecked)
    unknown = client.post(url, {"decision": "later"})
    assert unknown.status_code == 400
    assert "Choisissez de confirmer ou de refuser" in text_of(unknown)
    requested.refresh_from_db()
    assert requested.decision == ErasureDecision.PENDING
    assert _actions(operator) == [Action.ERASURE_REQUESTED]

    response = client.post(url, {"decision": "refuse", "refusal_reason": "Dossier en cours"})
    assert response.url == LIST_URL
    requested.refresh_from_db()
    assert (requested.decision, requested.decided_by, requested.refusal_reason) == (
        ErasureDecision.REFUSED,
        coordinator,
        "Dossier en cours",
    )
    assert Person.objects.filter(pk=requested.person_id).exists()
    assert _actions(operator) == [Action.ERASURE_REQUESTED, Action.ERASURE_REFUSED]
    confirmed_late = client.post(url, {"decision": "confirm", "confirmed": "on"})
    assert confirmed_late.status_code == 400
    assert "déjà été traitée" in text_of(confirmed_late)
    assert Person.objects.filter(pk=requested.person_id).exists()
    assert "a été refusée" in text_of(client.get(url))


def test_an_agent_cannot_see_the_list_or_decide(client, operator, agent, requested):
    client.force_login(agent)
    assert client.get(LIST_URL).status_code == 403
    assert client.get(_decide_url(requested.pk)).status_code == 403
    confirm = client.post(_decide_url(requested.pk), {"decision": "confirm", "confirmed": "on"})
    assert confirm.status_code == 403
    requested.refresh_from_db()
    assert requested.decision == ErasureDecision.PENDING
    assert Person.objects.filter(pk=requested.person_id).exists()
    assert _actions(operator) == [Action.ERASURE_REQUESTED]


def test_forged_and_foreign_requests_are_not_found(
    client, operator, other_operator, coordinator, make_member, requested
):
    client.force_login(coordinator)
    forged = requested.pk + 1000
    assert client.get(_decide_url(forged)).status_code == 404
    assert (
        client.post(_decide_url(forged), {"decision": "confirm", "confirmed": "on"}).status_code
        == 404
    )
    foreign_person = PersonFactory(operator=other_operator)
    foreign = ErasureRequest.objects.create(
        operator=other_operator,
        person=foreign_person,
        requested_by=make_member(other_operator, Role.AGENT),
    )
    assert client.get(_decide_url(foreign.pk)).status_code == 404
    response = client.post(_decide_url(foreign.pk), {"decision": "confirm", "confirmed": "on"})
    assert response.status_code == 404
    assert "Fatima" not in text_of(client.get(LIST_URL))
    foreign.refresh_from_db()
    assert foreign.decision == ErasureDecision.PENDING
    assert Person.objects.filter(pk=foreign_person.pk).exists()


# --- Erased otherwise ----------------------------------------------------------------------------


def test_the_retention_sweep_closes_a_pending_request(operator, requested):
    person_id = requested.person_id
    person_anonymise(person=requested.person)
    requested.refresh_from_db()
    assert not Person.objects.filter(pk=person_id).exists()
    assert requested.person is None and requested.reason == ""
    assert requested.decision == ErasureDecision.CONFIRMED and requested.decided_at is not None
    assert not ErasureRequest.objects.pending().exists()


def test_a_coordinator_still_erases_directly_and_the_request_is_closed(
    client, operator, coordinator, requested
):
    client.force_login(coordinator)
    person = requested.person
    detail = text_of(client.get(reverse("reception:person_detail", args=[person.pk])))
    assert "Effacer sa fiche" in detail and "Confirmer ou refuser la demande" in detail
    response = client.post(_erase_url(person), {"confirmed": "on"})
    assert response.url == reverse("reception:person_search")
    requested.refresh_from_db()
    assert requested.person is None and requested.decision == ErasureDecision.CONFIRMED
    assert "déjà été traitée" in text_of(
        client.post(_decide_url(requested.pk), {"decision": "refuse", "refusal_reason": "x"})
    )


# --- The structure's setting ---------------------------------------------------------------------


def test_a_structure_may_let_its_agents_erase_at_once(client, operator, coordinator, agent, amina):
    client.force_login(coordinator)
    assert "Les agents peuvent effacer une personne sans confirmation" in text_of(
        client.get(SETTINGS_URL)
    )
    assert client.post(SETTINGS_URL, valid_settings(agents_may_erase="on")).status_code == 302
    operator.refresh_from_db()
    assert operator.agents_may_erase
    client.force_login(agent)
    page = text_of(client.get(_erase_url(amina)))
    assert "Effacer la fiche de Amina LEMAIRE" in page and "Demander" not in page
    client.post(_erase_url(amina), {"confirmed": "on"})
    assert not Person.objects.filter(pk=amina.pk).exists()
    assert not ErasureRequest.objects.exists()
    assert _actions(operator) == [Action.PERSON_ERASED]


def test_the_setting_is_off_by_default(operator):
    assert operator.agents_may_erase is False


def test_the_list_does_the_same_queries_whatever_the_number_of_requests(
    client, operator, coordinator, agent
):
    client.force_login(coordinator)

    def requests(count: int) -> None:
        for _ in range(count):
            person = PersonFactory(operator=operator, consent_recorded_by=agent)
            ErasureRequest.objects.create(operator=operator, person=person, requested_by=agent)

    requests(2)
    client.get(LIST_URL)  # warm the session and the structure's caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST_URL).status_code == 200
    requests(18)
    with CaptureQueriesContext(connection) as many:
        page = text_of(client.get(LIST_URL))
    assert page.count("Confirmer ou refuser") == 20
    assert len(many) == len(few)
