"""An erasure racing another erasure, or a visit being linked to the person: one after the other,
never a half-erased record nor a server error (tests/concurrency.py: threads on PostgreSQL)."""

import pytest
from django.core.exceptions import ValidationError

from allervers.reception.models import Person, Visit
from allervers.reception.services.persons import visit_link_person
from allervers.reception.services.privacy import person_anonymise
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
