import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.services import purge, record
from tests.reception.factories import PersonFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _request(user, operator, ip="203.0.113.9"):
    request = RequestFactory().get("/", REMOTE_ADDR=ip)
    request.user = user
    request.operator = operator
    return request


def test_an_entry_names_who_what_which_object_and_ip_without_values(coordinator, operator):
    person = PersonFactory(operator=operator, first_name="Aïcha", last_name="Benali")
    entry = record(_request(coordinator, operator), Action.PERSON_VIEWED, person)
    entry.refresh_from_db()
    assert (entry.operator_id, entry.user_id, entry.user_email) == (
        operator.pk,
        coordinator.pk,
        coordinator.email,
    )
    assert (entry.action, entry.target_type, entry.target_id, entry.person_id) == (
        Action.PERSON_VIEWED,
        "person",
        person.pk,
        person.pk,
    )
    assert entry.ip == "203.0.113.9"
    assert "Benali" not in str(entry.__dict__) and "Aïcha" not in str(entry.__dict__)


def test_a_visit_entry_names_the_person_it_is_about(agent, operator):
    visit = VisitFactory(operator=operator, person=PersonFactory(operator=operator))
    entry = record(_request(agent, operator), Action.VISIT_CHANGED, visit)
    assert (entry.target_type, entry.target_id, entry.person_id) == (
        "visit",
        visit.pk,
        visit.person_id,
    )


def test_a_task_entry_has_no_user_and_no_ip(operator):
    entry = record(None, Action.PERSON_ANONYMISED, operator=operator, target_type="person")
    assert entry.user_id is None and entry.ip is None and entry.user_email == ""


def test_an_entry_cannot_be_changed_by_the_application(coordinator, operator):
    entry = record(_request(coordinator, operator), Action.PERSON_VIEWED, operator=operator)
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).update(detail="changé")
    assert "accesslog_append_only" in str(error.value)
    entry.refresh_from_db()
    assert entry.detail == ""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the DELETE guard is PostgreSQL's")
def test_on_postgresql_an_entry_cannot_be_deleted_outside_the_purge(coordinator, operator):
    entry = record(_request(coordinator, operator), Action.PERSON_VIEWED, operator=operator)
    with pytest.raises(DatabaseError) as error, transaction.atomic():
        AccessLogEntry.objects.filter(pk=entry.pk).delete()
    assert "accesslog_append_only" in str(error.value)
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_purge_removes_entries_older_than_twelve_months_and_says_so(
    clock, coordinator, operator
):
    old = record(_request(coordinator, operator), Action.PERSON_VIEWED, operator=operator)
    clock.shift(datetime.timedelta(days=200))
    recent = record(_request(coordinator, operator), Action.PERSON_VIEWED, operator=operator)
    clock.shift(datetime.timedelta(days=170))  # the first entry is now 370 days old
    assert purge() == 1
    remaining = AccessLogEntry.objects.for_operator(operator)
    assert not remaining.filter(pk=old.pk).exists()
    assert remaining.filter(pk=recent.pk).exists()
    purged = remaining.filter(action=Action.LOG_PURGED)
    assert [entry.detail[:19] for entry in purged] == ["1 entrée antérieure"]
    assert purge() == 0
