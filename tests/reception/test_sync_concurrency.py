"""The same visit sent twice at once by the tablet (a retry while the first sending still runs):
one visit, and each sending answered « saved » or « already saved », never an error.

On PostgreSQL the two sendings run in threads with their own connections (tests/concurrency.py):
`at_once` starts them together, `one_holding_the_other` makes the second insert wait on the
unique identifier until the first commits (the race's narrowest path). On SQLite they run one
after the other, the sequential form of the same race."""

import json
import uuid

import pytest
from django.test import Client
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.reception.models import Visit
from tests.concurrency import at_once, one_holding_the_other
from tests.reception.conftest import visit_answers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("race", [at_once, one_holding_the_other])
def test_two_sendings_of_the_same_visit_at_once_create_it_once(agent, today_stop, race):
    item = {
        "id": str(uuid.uuid4()),
        "kind": "visit",
        "fields": {
            "stop": str(today_stop.pk),
            "arrival_time": "09:30",
            **visit_answers(gender="female"),
        },
    }
    body = json.dumps({"items": [item]})
    tablets = [Client(), Client()]  # two requests, two sessions of the same agent
    for tablet in tablets:
        tablet.force_login(agent)

    def sending(tablet):
        return lambda: tablet.post(
            reverse("reception:visit_sync"), body, content_type="application/json"
        )

    outcomes = race(sending(tablets[0]), sending(tablets[1]))
    assert [outcome.error for outcome in outcomes] == [None, None]
    assert [outcome.result.status_code for outcome in outcomes] == [200, 200]
    statuses = sorted(outcome.result.json()["results"][0]["status"] for outcome in outcomes)
    assert statuses == ["already", "saved"]
    visit = Visit.objects.get()
    assert (str(visit.client_id), visit.gender) == (item["id"], "female")
    assert AccessLogEntry.objects.filter(action=Action.VISIT_CREATED).count() == 1
