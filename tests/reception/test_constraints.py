"""The database itself refuses an inconsistent reception log."""

import datetime

import pytest
from django.utils import timezone

from allervers.reception.enums import ConsentPurpose, ReferralStatus
from tests.conftest import refused
from tests.reception.factories import (
    CyberUsageFactory,
    PersonConsentFactory,
    PersonFactory,
    ReferralFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def test_a_visit_cannot_end_before_it_starts(operator):
    visit = VisitFactory(operator=operator)
    refused(
        "visit_left_after_arrived",
        VisitFactory,
        operator=operator,
        stop=visit.stop,
        arrived_at=visit.arrived_at,
        left_at=visit.arrived_at - datetime.timedelta(minutes=1),
    )


def test_answers_are_explicit_values(operator):
    visit = VisitFactory(operator=operator)
    assert (visit.gender, visit.age_band, visit.lives_in_area) == ("unknown",) * 3
    refused("visit_gender_known_value", VisitFactory, operator=operator, stop=visit.stop, gender="")
    refused(
        "visit_cyber_purpose_iff_used",
        VisitFactory,
        operator=operator,
        stop=visit.stop,
        cyber_used=True,
    )
    refused(
        "visit_cyber_purpose_iff_used",
        VisitFactory,
        operator=operator,
        stop=visit.stop,
        cyber_purpose="other",
    )


def test_a_person_needs_a_name_and_a_consent_a_known_purpose_once_in_force(operator, agent):
    refused("person_has_a_name", PersonFactory, operator=operator, first_name="", last_name="")
    person = PersonFactory(operator=operator, consent_purpose=ConsentPurpose.REFERRAL)
    refused("personconsent_purpose_known_value", PersonConsentFactory, person=person, purpose="")
    refused(
        "personconsent_one_in_force_per_purpose",
        PersonConsentFactory,
        person=person,
        purpose=ConsentPurpose.REFERRAL,
    )
    person.consents.update(withdrawn_at=timezone.now())
    PersonConsentFactory(person=person, purpose=ConsentPurpose.REFERRAL)  # given again


def test_a_visit_is_linked_to_a_person_or_to_an_anonymous_group_not_both(operator):
    person = PersonFactory(operator=operator)
    refused(
        "visit_person_or_anonymous_group",
        VisitFactory,
        operator=operator,
        person=person,
        anonymous_group=12,
    )


def test_a_referral_status_has_its_date(operator):
    refused(
        "referral_taken_up_has_date",
        ReferralFactory,
        operator=operator,
        status=ReferralStatus.TAKEN_UP,
    )
    refused(
        "referral_dropped_has_date",
        ReferralFactory,
        operator=operator,
        status=ReferralStatus.DROPPED,
    )
    refused("referral_reason_required", ReferralFactory, operator=operator, reason="")


def test_cyber_usage_counts_are_consistent(operator):
    refused(
        "cyberusage_people_fill_the_seats",
        CyberUsageFactory,
        operator=operator,
        seats_used=5,
        people_count=4,
    )
