"""Consenting people: a named record only with the person's consent, and linking a visit."""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.operators.models import Operator

from ..enums import ConsentPurpose, VisitChangeKind
from ..models import Person, PersonConsent, Visit
from .checks import check_same_operator, refuse
from .history import change, history_add, shown
from .visits import visit_locked


@transaction.atomic
def person_create_with_consent(
    *,
    operator: Operator,
    user,
    first_name: str,
    last_name: str,
    consent_given_on: datetime.date,
    consent_purposes: Iterable[str],
    phone: str = "",
    email: str = "",
    visit: Visit | None = None,
    request=None,
) -> Person:
    """Create a named record, only with the person's consent for one purpose or more (one
    consent row each); optionally link a visit to it. Journaled for `request`."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if not (first_name or last_name):
        refuse("Indiquez au moins le prénom ou le nom de la personne.", "no_name")
    purposes = checked_consent(consent_purposes, consent_given_on)
    person = Person(
        operator=operator,
        first_name=first_name,
        last_name=last_name,
        phone=phone.strip(),
        email=email.strip(),
    )
    person.save()
    consents_add(person=person, purposes=purposes, given_on=consent_given_on, user=user)
    if visit is not None:
        visit_link_person(visit=visit, person=person, user=user)
    detail = f"avec la visite n° {visit.pk}" if visit is not None else ""
    journal(request, Action.PERSON_CREATED, person, detail=detail)
    return person


def checked_consent(purposes: Iterable[str], given_on: datetime.date | None) -> list[str]:
    """The purposes of a consent being recorded, each once; refused when none, unknown, or
    without a date or dated in the future."""
    purposes = list(dict.fromkeys(purposes))
    if not purposes or any(purpose not in ConsentPurpose.values for purpose in purposes):
        refuse(
            "Une fiche nominative n'est possible qu'avec le consentement de la personne : "
            "indiquez pour quoi elle a donné son accord.",
            "no_consent",
        )
    if given_on is None:
        refuse("Indiquez la date du consentement.", "no_consent")
    if given_on > timezone.localdate():
        refuse("La date du consentement ne peut pas être dans le futur.", "consent_in_future")
    return purposes


def consents_add(*, person: Person, purposes: list[str], given_on: datetime.date, user) -> None:
    PersonConsent.objects.bulk_create(
        PersonConsent(
            operator_id=person.operator_id,
            person=person,
            purpose=purpose,
            given_on=given_on,
            recorded_by=user,
        )
        for purpose in purposes
    )


@transaction.atomic
def visit_link_person(*, visit: Visit, person: Person, user, request=None) -> Visit:
    """Link a visit to a consenting person, so that returning visitors count once. Journaled
    for `request`."""
    check_same_operator(person, visit.operator_id)
    # Locked so that an erasure running at the same time either comes first (refused here) or
    # waits for this link and erases it too.
    if Person.objects.select_for_update().filter(pk=person.pk).values_list("pk").first() is None:
        refuse("Cette fiche a été effacée entre-temps.", "erased_person")
    visit = visit_locked(visit)
    if visit.anonymous_group is not None:
        refuse(
            "Cette visite appartenait à une fiche effacée : elle reste anonyme et ne peut plus "
            "être rattachée à une fiche.",
            "erased_person_visit",
        )
    before = shown(visit, "person")
    visit.person = person
    visit.save(update_fields=["person", "version", "updated_at"])
    history_add(
        visit,
        VisitChangeKind.PERSON_LINKED,
        user,
        change("person", before, shown(visit, "person")),
    )
    journal(request, Action.VISIT_CHANGED, visit, detail="rattachée à une fiche personne")
    return visit
