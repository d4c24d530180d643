"""Visits kept on the tablet without network, sent to the sync endpoint (reception/sync.py)."""

import datetime
import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.operators.models import Membership
from allervers.planning.enums import StopStatus
from allervers.reception.models import Visit
from tests.conftest import NOW
from tests.html import text_of
from tests.planning.factories import StopFactory
from tests.reception.conftest import visit_answers
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db
URL = reverse("reception:visit_sync")


def _visit_item(stop, item_id=None, **fields) -> dict:
    return {
        "id": str(item_id or uuid.uuid4()),
        "kind": "visit",
        "fields": {
            "stop": str(stop.pk),
            "arrival_time": "09:30",
            **visit_answers(gender="female", age_band="26_49"),
            "note": "",
            **fields,
        },
    }


def _send(client, *items) -> dict:
    response = client.post(URL, json.dumps({"items": list(items)}), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def _one(client, item) -> dict:
    (result,) = _send(client, item)
    assert result["id"] == item["id"]
    return result


def test_a_visit_is_saved_once_whatever_the_retries(client, agent, today_stop, topics):
    client.force_login(agent)
    item = _visit_item(
        today_stop, topics=[str(topics["caf"].pk)], departure_time="09:45", cyber_used="on"
    )
    assert _one(client, item)["status"] == "saved"
    assert _one(client, item)["status"] == "already"
    visit = Visit.objects.get()
    assert str(visit.client_id) == item["id"]
    assert (visit.gender, visit.age_band, visit.cyber_used) == ("female", "26_49", True)
    assert list(visit.topics.values_list("slug", flat=True)) == ["caf"]
    assert visit.left_at == NOW.replace(hour=9, minute=45)
    assert visit.created_by == agent
    entries = AccessLogEntry.objects.for_operator(today_stop.operator)
    assert entries.count() == 1, list(entries.values_list("action", "target_type", "detail", "at"))
    entry = entries.get()  # once: the retry created nothing
    assert (entry.action, entry.target_id) == (Action.VISIT_CREATED, visit.pk)


def test_a_visit_of_a_stop_cancelled_meanwhile_is_refused(client, agent, today_stop):
    client.force_login(agent)
    today_stop.status, today_stop.cancel_reason = StopStatus.CANCELLED, "weather"
    today_stop.save()
    result = _one(client, _visit_item(today_stop))
    assert result["status"] == "refused"
    assert "est annulée" in result["message"]
    assert not Visit.objects.exists()


def test_a_topic_archived_meanwhile_is_named_in_the_refusal(client, agent, today_stop, topics):
    client.force_login(agent)
    topics["logement"].is_archived = True
    topics["logement"].save()
    result = _one(client, _visit_item(today_stop, topics=[str(topics["logement"].pk)]))
    assert (result["status"], result["code"]) == ("refused", "archived_topic")
    assert "« Logement »" in result["message"] and "archivée" in result["message"]
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("stop_kind", "message"),
    [("foreign", "Permanence inconnue"), ("future", "n'a pas encore eu lieu")],
)
def test_a_stop_of_another_structure_or_to_come_is_refused(
    client, agent, other_operator, stop_kind, message
):
    client.force_login(agent)
    if stop_kind == "foreign":
        stop = StopFactory(operator=other_operator)
    else:
        stop = StopFactory(
            operator=agent.memberships.get().operator, date=datetime.date(2026, 6, 12)
        )
    result = _one(client, _visit_item(stop))
    assert result["status"] == "refused"
    assert message in result["message"]
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"gender": "martian"}, "Réponse inconnue pour « Genre »"),
        ({"arrival_time": "25:99"}, "Heure d'arrivée invalide"),
        ({"topics": ["999999"]}, "Thématique inconnue"),
        ({"arrival_time": "09:30", "departure_time": "09:00"}, "après l'heure d'arrivée"),
    ],
)
def test_invalid_answers_are_refused_with_the_reason(
    client, agent, today_stop, topics, fields, message
):
    client.force_login(agent)
    result = _one(client, _visit_item(today_stop, **fields))
    assert result["status"] == "refused"
    assert message in result["message"]
    assert not Visit.objects.exists()


def test_a_time_outside_the_stops_hours_needs_the_confirmation(client, agent, operator):
    client.force_login(agent)
    stop = StopFactory(
        operator=operator,
        date=datetime.date(2026, 6, 9),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    item = _visit_item(stop, arrival_time="22:42")
    result = _one(client, item)
    assert (result["status"], result["code"]) == ("refused", "outside_hours")
    assert "22:42" in result["message"] and "09:00–12:00" in result["message"]
    assert not Visit.objects.exists()
    item["fields"]["confirm_outside_hours"] = "on"
    assert _one(client, item)["status"] == "saved"


def test_departures_kept_on_the_tablet(client, agent, operator, other_operator, today_stop):
    client.force_login(agent)
    visit = VisitFactory(operator=operator, stop=today_stop, arrived_at=NOW.replace(hour=9))
    finish = {"id": str(uuid.uuid4()), "kind": "finish", "visit": visit.pk}
    assert _one(client, finish | {"left_at": "2026-06-10T07:30:00Z"})["status"] == "saved"
    visit.refresh_from_db()
    assert visit.left_at == datetime.datetime(2026, 6, 10, 7, 30, tzinfo=datetime.UTC)
    again = _one(client, finish | {"left_at": "2026-06-10T07:30:00Z"})
    assert again["status"] == "already"
    foreign = VisitFactory(operator=other_operator)
    result = _one(client, finish | {"visit": foreign.pk, "left_at": "2026-06-10T07:30:00Z"})
    assert (result["status"], result["message"]) == (
        "refused",
        "Visite inconnue dans votre structure : elle n'a pas été terminée.",
    )
    future = VisitFactory(operator=operator, stop=today_stop, arrived_at=NOW.replace(hour=9))
    result = _one(client, finish | {"visit": future.pk, "left_at": "2026-06-10T12:00:00Z"})
    assert (result["status"], result["message"]) == (
        "refused",
        "L'heure de départ est dans le futur.",
    )
    future.refresh_from_db()
    assert future.left_at is None


@pytest.mark.parametrize(
    "item",
    [
        "not an object",
        {"kind": "visit", "fields": {}},
        {"id": "not-a-uuid", "kind": "visit", "fields": {}},
        {"id": str(uuid.uuid4()), "kind": "teleport"},
        {"id": str(uuid.uuid4()), "kind": "visit", "fields": {"stop": {"nested": 1}}},
        {"id": str(uuid.uuid4()), "kind": "finish", "visit": 1, "left_at": "yesterday"},
        {"id": str(uuid.uuid4()), "kind": "finish", "visit": "x", "left_at": "2026-06-10T08:00"},
    ],
)
def test_an_unreadable_item_is_refused_in_french(client, agent, item):
    client.force_login(agent)
    (result,) = _send(client, item)
    assert result["status"] == "refused"
    assert "illisible" in result["message"]
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"items": "x"}', b"[]", json.dumps({"items": [{}] * 201}).encode()]
)
def test_an_unreadable_sending_is_refused_as_a_whole(client, agent, body):
    client.force_login(agent)
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert "rien n'a été enregistré" in response.json()["error"]


def test_after_the_session_expired_the_tablet_is_asked_to_log_in_again(client, today_stop):
    response = client.post(
        URL, json.dumps({"items": [_visit_item(today_stop)]}), content_type="application/json"
    )
    assert response.status_code == 401
    assert response.json()["login"] is True
    assert "reconnectez-vous" in response.json()["error"]
    assert client.get(URL).status_code == 302  # a page asked for: the login page
    assert not Visit.objects.exists()


def test_a_withdrawn_access_is_refused_and_nothing_saved(client, agent, today_stop):
    client.force_login(agent)
    Membership.objects.filter(user=agent).update(is_active=False)
    response = client.post(
        URL, json.dumps({"items": [_visit_item(today_stop)]}), content_type="application/json"
    )
    assert response.status_code == 403
    assert "restent gardées sur la tablette" in response.json()["error"]
    assert not Visit.objects.exists()


def test_the_sending_needs_the_csrf_token_the_get_gives(agent, today_stop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    body = json.dumps({"items": [_visit_item(today_stop)]})
    refused = client.post(URL, body, content_type="application/json")
    assert refused.status_code == 403
    token = client.get(URL).json()["csrf_token"]
    response = client.post(URL, body, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "saved"


def test_the_service_worker_is_served_at_the_reception_root(client, agent):
    client.force_login(agent)
    response = client.get(reverse("reception:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert '"/accueil/", "/accueil/visites/nouvelle/"' in body
    assert "/static/js/offline.js" in body


def test_logging_out_makes_the_browser_forget_the_tablets_queue(client, agent):
    client.force_login(agent)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


# --- The visit form sent by the tablet's script, with the identifier it queues the visit under -


def _form_post(client, stop, client_id, **fields):
    data = {
        "stop": stop.pk,
        "arrival_time": "09:30",
        **visit_answers(gender="female", age_band="26_49"),
        "client_id": client_id,
        **fields,
    }
    return client.post(reverse("reception:visit_create"), data, follow=True)


def test_a_visit_sent_by_the_form_then_queued_when_its_answer_was_lost_is_saved_once(
    client, agent, today_stop
):
    client.force_login(agent)
    item = _visit_item(today_stop)
    response = _form_post(client, today_stop, item["id"])
    assert "Visite enregistrée : arrivée à 09:30." in text_of(response)
    visit = Visit.objects.get()
    assert str(visit.client_id) == item["id"]
    # The answer never reached the tablet: it queued the visit under the same identifier.
    assert _one(client, item)["status"] == "already"
    # Or it sent the form again (a second sending of the same page, a new submission token).
    again = _form_post(client, today_stop, item["id"], gender="male")
    assert again.redirect_chain[-1][0] == reverse("reception:today")
    assert "Cette visite était déjà enregistrée : arrivée à 09:30." in text_of(again)
    assert Visit.objects.get().gender == "female"
    assert AccessLogEntry.objects.filter(action=Action.VISIT_CREATED).count() == 1


def test_the_form_without_javascript_needs_no_identifier(client, agent, today_stop):
    client.force_login(agent)
    for _ in range(2):  # two people alike, at the same minute: two visits
        assert _form_post(client, today_stop, "").status_code == 200
    assert list(Visit.objects.values_list("client_id", flat=True)) == [None, None]


def test_an_unreadable_identifier_is_refused_in_french(client, agent, today_stop):
    client.force_login(agent)
    response = _form_post(client, today_stop, "pas-un-uuid")
    assert response.status_code == 400
    assert "Identifiant de visite illisible : rechargez la page, puis enregistrez." in text_of(
        response
    )
    assert not Visit.objects.exists()
