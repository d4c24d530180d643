"""Retention: people without contact for the retention period are anonymised by the daily sweep;
the coordinator sees what the next run will do; closed-year figures stay identical."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.reception.enums import ConsentPurpose, ReferralStatus, YesNoUnknown
from allervers.reception.models import Person, Visit
from allervers.reception.queries import persons_with_last_contact
from allervers.reception.services.privacy import retention_sweep
from allervers.reception.services.referrals import referral_create, referral_update_status
from allervers.reception.tasks import privacy_sweep_task
from allervers.reporting.models import YearClosure, YearClosureFilter
from allervers.reporting.periods import Period
from allervers.reporting.queries import Scope, report_compute
from allervers.reporting.services import year_close
from tests.conftest import PARIS
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory
from tests.reception.factories import PersonFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=PARIS)


def _person_seen_on(clock, operator, moment: datetime.datetime, **fields) -> Person:
    """A person created at `moment`, with one visit at a stop of that day."""
    clock.move_to(moment)
    person = PersonFactory(operator=operator, **fields)
    stop = StopFactory(operator=operator, date=moment.date())
    VisitFactory(operator=operator, stop=stop, person=person)
    return person


def test_the_last_contact_is_the_latest_visit_referral_change_or_consent_change(
    clock, operator, agent
):
    person = _person_seen_on(clock, operator, _at(2024, 3, 5, 10, 0))
    visit = person.visits.get()
    clock.move_to(_at(2024, 4, 2, 9, 0))
    referral = referral_create(
        visit=visit, partner=PartnerFactory(operator=operator), reason="x", user=agent
    )
    clock.move_to(_at(2024, 5, 20, 15, 0))
    referral_update_status(referral=referral, status=ReferralStatus.SENT, user=agent)
    assert persons_with_last_contact(operator).get().last_contact == _at(2024, 5, 20, 15, 0)
    clock.move_to(_at(2024, 6, 1, 11, 0))
    person.consents.update(withdrawn_at=_at(2024, 6, 1, 11, 0))
    annotated = persons_with_last_contact(operator).get()
    assert annotated.last_contact == _at(2024, 6, 1, 11, 0)
    assert annotated.consents_in_force is False
    lonely = PersonFactory(operator=operator)  # created now, nothing else
    created = persons_with_last_contact(operator).get(pk=lonely.pk).last_contact
    assert created.replace(microsecond=0) == _at(2024, 6, 1, 11, 0)


@pytest.fixture
def people(clock, operator, other_operator):
    """At NOW (10 June 2026): `old` last came 27 months ago, `recent` 23 months ago, `withdrawn`
    came recently but no consent of theirs is in force; `foreign` is another structure's."""
    old = _person_seen_on(clock, operator, _at(2024, 3, 5, 10, 0), first_name="Ancienne")
    recent = _person_seen_on(clock, operator, _at(2024, 7, 1, 10, 0), first_name="Récente")
    withdrawn = _person_seen_on(
        clock, operator, _at(2026, 5, 1, 10, 0), first_name="Retirée", consent_purpose=None
    )
    foreign = _person_seen_on(clock, other_operator, _at(2024, 7, 1, 10, 0))
    clock.move_to(_at(2026, 6, 10, 10, 0))
    return {"old": old, "recent": recent, "withdrawn": withdrawn, "foreign": foreign}


def test_the_coordinator_sees_what_the_next_run_anonymises_and_when(
    client, coordinator, agent, people, django_assert_max_num_queries
):
    client.force_login(coordinator)
    url = reverse("reception:retention")
    # 12 to read, 6 to log the people shown in one chained insert (whatever their number).
    with django_assert_max_num_queries(18):
        page = text_of(client.get(url))
    assert "Prochain passage : le jeudi 11 juin 2026 à 03h30" in page
    due = page.split("Rendues anonymes au prochain passage : 2")[1].split("Rendues anonymes d'ici")[
        0
    ]
    assert "Ancienne" in due and "05/03/2024" in due and "plus de 24 mois sans contact" in due
    assert "Retirée" in due and "aucun accord en vigueur" in due
    assert "Récente" not in due
    soon = page.split("Rendues anonymes d'ici le 11/07/2026 : 1")[1]
    assert "Récente" in soon and "01/07/2024" in soon and "02/07/2026" in soon
    assert "Fatima" not in page  # the other structure's person
    client.force_login(agent)
    assert client.get(url).status_code == 403


def test_the_sweep_anonymises_the_people_due_logs_each_and_does_nothing_twice(
    operator, other_operator, people
):
    assert retention_sweep(operator=operator) == 2
    assert set(Person.objects.for_operator(operator).values_list("pk", flat=True)) == {
        people["recent"].pk
    }
    assert Person.objects.filter(pk=people["foreign"].pk).exists()
    assert (
        Visit.objects.for_operator(operator)
        .filter(person=None)
        .exclude(anonymous_group=None)
        .count()
        == 2
    )
    entries = AccessLogEntry.objects.for_operator(operator).filter(action=Action.PERSON_ANONYMISED)
    assert {(e.person_id, e.user_id, e.operator_id) for e in entries} == {
        (people["old"].pk, None, operator.pk),
        (people["withdrawn"].pk, None, operator.pk),
    }
    assert all("Ancienne" not in e.detail and "Retirée" not in e.detail for e in entries)
    assert retention_sweep(operator=operator) == 0
    assert retention_sweep(operator=other_operator) == 0


def test_the_command_sweeps_every_structure_purges_the_log_and_says_so_in_french(
    clock, operator, people
):
    clock.move_to(_at(2025, 1, 5, 10, 0))
    AccessLogEntry.objects.create(operator=operator, at=_at(2025, 1, 5, 10, 0), action="log_purged")
    clock.move_to(_at(2026, 6, 10, 10, 0))
    out = io.StringIO()
    call_command("privacy_sweep", stdout=out)
    # (Rows other test modules keep for the whole run may add lines of their own structures.)
    lines = out.getvalue().splitlines()
    assert "CCAS de test : 2 fiches rendues anonymes." in lines
    assert lines[-5].startswith("Total : ") and lines[-5].endswith(" rendues anonymes.")
    assert lines[-4].startswith("Repérages des droits : réponses effacées pour ")
    assert lines[-3].startswith("Liens « Vos droits estimés » : ")
    assert lines[-2].startswith("Rendez-vous et ateliers : coordonnées effacées pour ")
    assert lines[-1] == "Journal des accès : 1 entrée supprimée (plus de 12 mois)."
    out = io.StringIO()
    call_command("privacy_sweep", stdout=out)
    assert out.getvalue().splitlines()[-5:] == [
        "Total : 0 fiche rendue anonyme.",
        "Repérages des droits : réponses effacées pour 0 repérage sans orientation en cours.",
        "Liens « Vos droits estimés » : 0 lien supprimé (expirés, retirés ou non envoyés).",
        "Rendez-vous et ateliers : coordonnées effacées pour 0 réservation sans personne suivie "
        "(plus de 30 jours après).",
        "Journal des accès : 0 entrée supprimée (plus de 12 mois).",
    ]
    assert privacy_sweep_task.call() == out.getvalue().splitlines()


def test_a_sweep_24_months_later_leaves_the_closed_year_s_figures_identical(
    clock, operator, coordinator, agent
):
    # 2025: a named person comes twice (neither visit says « première visite »: without the
    # anonymous group their count would vanish), is referred and taken up; two anonymous visits.
    clock.move_to(_at(2025, 3, 4, 10, 0))
    partner = PartnerFactory(operator=operator)
    person = PersonFactory(operator=operator, consent_purpose=ConsentPurpose.REFERRAL)
    first = VisitFactory(
        operator=operator,
        stop=StopFactory(operator=operator, date=datetime.date(2025, 3, 4)),
        person=person,
        is_first_visit=YesNoUnknown.UNKNOWN,
        note="Avec sa fille",
    )
    referral = referral_create(visit=first, partner=partner, reason="Inscription", user=agent)
    clock.move_to(_at(2025, 4, 8, 10, 0))
    referral_update_status(referral=referral, status=ReferralStatus.TAKEN_UP, user=agent)
    second_stop = StopFactory(operator=operator, date=datetime.date(2025, 4, 8))
    VisitFactory(operator=operator, stop=second_stop, person=person)
    for answer in (YesNoUnknown.YES, YesNoUnknown.NO):
        VisitFactory(operator=operator, stop=second_stop, is_first_visit=answer)

    clock.move_to(_at(2026, 1, 15, 10, 0))
    closure = year_close(operator=operator, year=2025, user=coordinator)
    stored = closure.figures
    filtered = list(
        YearClosureFilter.objects.for_operator(operator).values_list("figures", flat=True)
    )

    clock.move_to(_at(2027, 6, 15, 10, 0))  # 26 months after the last contact
    scope = Scope(operator.pk, Period.year(2025), datetime.date(2027, 6, 15))
    before = report_compute(scope)
    assert (before["visits"]["visits"], before["visits"]["people"]) == (4, 2)
    assert (stored["visits"]["visits"], stored["visits"]["people"]) == (4, 2)
    call_command("privacy_sweep", stdout=io.StringIO())

    assert not Person.objects.for_operator(operator).exists()
    after = report_compute(scope)
    assert (after["visits"]["visits"], after["visits"]["people"]) == (4, 2)
    assert after == before
    assert YearClosure.objects.for_operator(operator).get().figures == stored
    assert (
        list(YearClosureFilter.objects.for_operator(operator).values_list("figures", flat=True))
        == filtered
    )
