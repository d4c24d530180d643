"""The visit's services journal their own changes for the request they act for, in their
transaction (issue 25, point 4: one audit style); called without a request (the demo, a test,
another service) they write none."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.utils import timezone

from allervers.accesslog.models import AccessLogEntry
from allervers.reception.services.visits import visit_finish, visit_record, visit_record_once

pytestmark = pytest.mark.django_db


def _request(operator, user):
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.7")
    request.operator, request.user = operator, user
    return request


def _entries(operator):
    return list(
        AccessLogEntry.objects.for_operator(operator)
        .order_by("pk")
        .values_list("action", "target_type", "user_id", "ip", "detail")
    )


def test_a_visit_recorded_for_a_request_is_journaled_by_the_service(operator, agent, today_stop):
    arrived_at = timezone.now() - datetime.timedelta(minutes=5)
    request = _request(operator, agent)
    visit, created = visit_record_once(
        operator=operator, user=agent, request=request, client_id=None, stop=today_stop,
        arrived_at=arrived_at, detail="envoyée par la tablette",
    )  # fmt: skip
    assert created
    visit_finish(visit=visit, user=agent, request=request)
    assert _entries(operator) == [
        ("visit_created", "visit", agent.pk, "192.0.2.7", "envoyée par la tablette"),
        ("visit_changed", "visit", agent.pk, "192.0.2.7", "visite terminée"),
    ]


def test_without_a_request_or_when_refused_nothing_is_journaled(operator, agent, today_stop):
    arrived_at = timezone.now() - datetime.timedelta(minutes=5)
    visit_record(operator=operator, user=agent, stop=today_stop, arrived_at=arrived_at)
    with pytest.raises(ValidationError):
        visit_record(
            operator=operator,
            user=agent,
            stop=today_stop,
            arrived_at=timezone.now() + datetime.timedelta(hours=1),
            request=_request(operator, agent),
        )
    assert _entries(operator) == []
