import datetime

import factory
from django.utils import timezone

from allervers.reception.enums import ConsentPurpose, ErasureDecision, ReferralStatus
from allervers.reception.models import (
    CyberUsage,
    ErasureRequest,
    Person,
    PersonConsent,
    Referral,
    Topic,
    Visit,
)
from tests.operators.factories import OperatorFactory, UserFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    operator = factory.SubFactory(OperatorFactory)
    name = factory.Sequence(lambda n: f"Thématique {n}")
    slug = factory.Sequence(lambda n: f"thematique-{n}")


class PersonConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonConsent

    person = factory.SubFactory("tests.reception.factories.PersonFactory", consent_purpose=None)
    operator = factory.SelfAttribute("person.operator")
    purpose = ConsentPurpose.FOLLOW_UP
    given_on = factory.LazyFunction(timezone.localdate)
    recorded_by = factory.SubFactory(UserFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person
        skip_postgeneration_save = True

    class Params:
        # The one consent the person gives; `consent_purpose=None` makes a person without any.
        consent_purpose = ConsentPurpose.FOLLOW_UP
        consent_given_on = factory.LazyFunction(timezone.localdate)
        consent_recorded_by = factory.SubFactory(UserFactory)

    operator = factory.SubFactory(OperatorFactory)
    first_name = "Fatima"
    last_name = factory.Sequence(lambda n: f"Habitante{n}")
    phone = "06 12 34 56 78"
    consent = factory.Maybe(
        "consent_purpose",
        yes_declaration=factory.RelatedFactory(
            PersonConsentFactory,
            factory_related_name="person",
            purpose=factory.SelfAttribute("..consent_purpose"),
            given_on=factory.SelfAttribute("..consent_given_on"),
            recorded_by=factory.SelfAttribute("..consent_recorded_by"),
        ),
    )


def _arrival(visit) -> datetime.datetime:
    return timezone.make_aware(
        datetime.datetime.combine(visit.stop.date, visit.stop.start_time)
        + datetime.timedelta(minutes=15)
    )


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    operator = factory.SubFactory(OperatorFactory)
    stop = factory.SubFactory(StopFactory, operator=factory.SelfAttribute("..operator"))
    arrived_at = factory.LazyAttribute(_arrival)
    left_at = None


class ReferralFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Referral

    operator = factory.SubFactory(OperatorFactory)
    visit = factory.SubFactory(VisitFactory, operator=factory.SelfAttribute("..operator"))
    partner = factory.SubFactory(PartnerFactory, operator=factory.SelfAttribute("..operator"))
    reason = "Inscription comme demandeur d'emploi"
    status = ReferralStatus.PROPOSED
    proposed_at = factory.LazyAttribute(lambda r: r.visit.arrived_at)
    status_changed_at = factory.LazyAttribute(lambda r: r.proposed_at)


class CyberUsageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CyberUsage

    operator = factory.SubFactory(OperatorFactory)
    stop = factory.SubFactory(StopFactory, operator=factory.SelfAttribute("..operator"))
    seats_used = 3
    people_count = 4


def erasure_requests_fill(operator, *, person, by) -> list[ErasureRequest]:
    """A refused erasure request of `person` (with its reason) and a pending one."""
    refused = ErasureRequest.objects.create(
        operator=operator,
        person=person,
        requested_by=by,
        reason="Demandé à l'accueil",
        decision=ErasureDecision.REFUSED,
        decided_by=by,
        decided_at=timezone.now(),
        refusal_reason="Dossier en cours chez un partenaire",
    )
    pending = ErasureRequest.objects.create(
        operator=operator, person=person, requested_by=by, reason="Demandé par téléphone"
    )
    return [refused, pending]
