"""An erasure racing another erasure, or a visit being linked to the person: one after the other,
never a half-erased record nor a server error (tests/concurrency.py: threads on PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from allervers.reception.enums import ErasureDecision
from allervers.reception.models import Person, Visit
from allervers.reception.services.persons import visit_link_person
from allervers.reception.services.privacy import (
    erasure_request,
    erasure_request_confirm,
    person_anonymise,
)
from tests.concurrency import at_once, one_holding_the_other
from tests.reception.factories import PersonFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_erasures_at_once_erase_once(operator):
    person = PersonFactory(operator=operator)
    VisitFactory(operator=operator, person=person)
    pages = (
        Person.objects.for_operator(operator).get(pk=person.pk),
        Person.objects.for_operator(operator).get(pk=person.pk),
    )
    first, second = at_once(
        lambda: person_anonymise(person=pages[0]), lambda: person_anonymise(person=pages[1])
    )
    assert sorted([first.refused, second.refused]) == [False, True]
    error = first.error or second.error
    assert isinstance(error, ValidationError) and error.code == "already_erased"
    assert not Person.objects.for_operator(operator).exists()
    assert Visit.objects.for_operator(operator).get().anonymous_group is not None


def test_a_visit_linked_while_the_person_is_erased_is_refused_and_stays_anonymous(operator, agent):
    person = PersonFactory(operator=operator)
    VisitFactory(operator=operator, person=person)
    newcomer = VisitFactory(operator=operator)
    loaded = Person.objects.for_operator(operator).get(pk=person.pk)
    erased, linked = one_holding_the_other(
        lambda: person_anonymise(person=person),
        lambda: visit_link_person(visit=newcomer, person=loaded, user=agent),
    )
    assert not erased.refused
    assert isinstance(linked.error, ValidationError) and linked.error.code == "erased_person"
    newcomer.refresh_from_db()
    assert newcomer.person is None and newcomer.anonymous_group is None


def _request(operator, user):
    request = RequestFactory().post("/")
    request.user, request.operator = user, operator
    return request


def test_a_confirmation_racing_the_retention_sweep_erases_once_without_a_deadlock(
    operator, agent, coordinator
):
    person = PersonFactory(operator=operator, consent_recorded_by=agent)
    VisitFactory(operator=operator, person=person)
    asked = erasure_request(person=person, request=_request(operator, agent))
    stale = Person.objects.get(pk=person.pk)  # what the sweep loaded
    confirmed, swept = at_once(
        lambda: erasure_request_confirm(
            erasure_request=asked, request=_request(operator, coordinator)
        ),
        lambda: person_anonymise(person=stale),
    )
    assert [confirmed.refused, swept.refused].count(True) == 1
    error = confirmed.error or swept.error
    assert isinstance(error, ValidationError)
    assert error.code in ("erasure_decided", "already_erased")
    assert not Person.objects.for_operator(operator).exists()
    asked.refresh_from_db()
    assert asked.decision == ErasureDecision.CONFIRMED and asked.person is None
