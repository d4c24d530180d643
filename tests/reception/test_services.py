"""The reception services refuse bad input in French and save nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from allervers.reception.enums import ReferralStatus, VisitChangeKind
from allervers.reception.models import Person, Referral, Visit, VisitChange
from allervers.reception.services.persons import person_create_with_consent
from allervers.reception.services.referrals import referral_create, referral_update_status
from allervers.reception.services.visits import visit_correct, visit_finish, visit_record
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory
from tests.reception.factories import (
    PersonFactory,
    ReferralFactory,
    TopicFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _record(operator, agent, stop, **extra):
    arguments = {"arrived_at": timezone.now() - datetime.timedelta(minutes=5)}
    arguments.update(extra)
    return visit_record(operator=operator, user=agent, stop=stop, **arguments)


def test_a_foreign_or_archived_topic_or_partner_is_refused(
    operator, other_operator, agent, today_stop
):
    cases = [
        ({"topics": [TopicFactory(operator=other_operator)]}, "Thématique inconnue"),
        ({"topics": [TopicFactory(operator=operator, is_archived=True)]}, "Thématique inconnue"),
        ({"partners_seen": [PartnerFactory(operator=other_operator)]}, "Partenaire inconnu"),
        ({"partners_seen": [PartnerFactory(operator=operator, is_archived=True)]}, "est archivé"),
        ({"gender": "fille"}, "Valeur inconnue pour « genre »"),
        ({"cyber_used": True, "cyber_purpose": "jeux"}, "Usage du cyber@atelier inconnu"),
        ({"person": PersonFactory(operator=other_operator)}, "n'appartient pas"),
        (
            {"arrived_at": timezone.now() - datetime.timedelta(days=2)},
            "L'arrivée doit être le jour de la permanence",
        ),
        (
            {"left_at": timezone.now() - datetime.timedelta(minutes=10)},
            "L'heure de départ doit être après l'heure d'arrivée.",
        ),
    ]
    for extra, message in cases:
        with pytest.raises(ValidationError) as error:
            _record(operator, agent, today_stop, **extra)
        assert message in " ".join(error.value.messages), extra
    assert not Visit.objects.exists()
    assert not VisitChange.objects.exists()


def test_cyber_use_without_purpose_is_recorded_as_unknown_purpose(operator, agent, today_stop):
    visit = _record(operator, agent, today_stop, cyber_used=True)
    assert visit.cyber_purpose == "unknown"


def test_finishing_before_the_arrival_is_refused(operator, agent, today_stop):
    visit = _record(operator, agent, today_stop, arrived_at=timezone.now())
    with pytest.raises(ValidationError, match="L'heure de départ doit être après"):
        visit_finish(visit=visit, user=agent, now=visit.arrived_at - datetime.timedelta(minutes=1))
    visit.refresh_from_db()
    assert visit.left_at is None
    assert list(visit.changes.values_list("kind", flat=True)) == [VisitChangeKind.CREATED]


def test_a_topic_archived_since_stays_on_a_corrected_visit(operator, agent):
    stop = StopFactory(operator=operator, date=timezone.localdate() - datetime.timedelta(days=5))
    old_topic = TopicFactory(operator=operator)
    visit = VisitFactory(operator=operator, stop=stop)
    visit.topics.add(old_topic, through_defaults={"operator": operator})
    old_topic.is_archived = True
    old_topic.save()
    visit_correct(visit=visit, user=agent, topics=[old_topic], gender="male")
    assert list(visit.topics.all()) == [old_topic]
    new_archived = TopicFactory(operator=operator, is_archived=True)
    with pytest.raises(ValidationError):
        visit_correct(visit=visit, user=agent, topics=[old_topic, new_archived])
    assert list(visit.topics.all()) == [old_topic]


def test_a_correction_moving_a_visit_to_a_cancelled_stop_is_refused(operator, agent):
    visit = VisitFactory(operator=operator, stop__date=timezone.localdate())
    cancelled = StopFactory(
        operator=operator,
        date=timezone.localdate() - datetime.timedelta(days=1),
        status="cancelled",
        cancel_reason="breakdown",
    )
    with pytest.raises(ValidationError, match="est annulée"):
        visit_correct(visit=visit, user=agent, stop=cancelled)
    visit.refresh_from_db()
    assert visit.stop_id != cancelled.pk
    assert not visit.changes.exists()


def test_a_person_without_consent_is_refused(operator, agent):
    with pytest.raises(ValidationError, match="qu'avec le consentement"):
        person_create_with_consent(
            operator=operator,
            user=agent,
            first_name="Jean",
            last_name="Dupont",
            consent_given_on=timezone.localdate(),
            consent_purposes=[],
        )
    assert not Person.objects.exists()


def test_a_referral_cannot_skip_back_or_leave_a_closed_state(operator, agent):
    referral = ReferralFactory(operator=operator)
    referral_update_status(referral=referral, status=ReferralStatus.DROPPED, user=agent)
    with pytest.raises(ValidationError, match="ne peut pas passer à « prise en charge »"):
        referral_update_status(referral=referral, status=ReferralStatus.TAKEN_UP, user=agent)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DROPPED and referral.dropped_at
    assert referral.events.count() == 1


def test_taking_up_directly_also_dates_the_transmission(operator, agent):
    referral = ReferralFactory(operator=operator)
    referral_update_status(referral=referral, status=ReferralStatus.TAKEN_UP, user=agent)
    referral.refresh_from_db()
    assert referral.sent_at == referral.taken_up_at


def test_a_referral_needs_a_reason_and_an_own_partner(operator, other_operator, agent):
    visit = VisitFactory(operator=operator)
    with pytest.raises(ValidationError, match="motif"):
        referral_create(
            visit=visit, partner=PartnerFactory(operator=operator), reason="  ", user=agent
        )
    with pytest.raises(ValidationError, match="n'appartient pas"):
        referral_create(
            visit=visit, partner=PartnerFactory(operator=other_operator), reason="x", user=agent
        )
    assert not Referral.objects.exists()


def test_a_visit_of_another_day_is_not_finished_with_now(operator, agent):
    stop = StopFactory(
        operator=operator,
        date=timezone.localdate() - datetime.timedelta(days=2),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    arrived = timezone.make_aware(datetime.datetime.combine(stop.date, datetime.time(9, 30)))
    visit = _record(operator, agent, stop, arrived_at=arrived)
    with pytest.raises(ValidationError, match="n'a pas eu lieu aujourd'hui"):
        visit_finish(visit=visit, user=agent)
    visit.refresh_from_db()
    assert visit.left_at is None
