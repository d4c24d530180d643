import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from allervers.screening.enums import RightKind, SendChannel
from allervers.screening.models import (
    EstimatedRightsLink,
    Screening,
    ScreeningRight,
    ScreeningSetup,
)
from allervers.screening.sharing import token_hash
from tests.operators.factories import OperatorFactory
from tests.reception.factories import VisitFactory

SINGLE_IN_SOCIAL_HOUSING = {
    "adults": [{"age": 41, "situation": "job_seeker", "work": 0, "unemployment": 0, "pension": 0}],
    "children_ages": [],
    "housing": "social_tenant",
    "rent": 350,
    "commune": "62083",
    "received": [],
}


class ScreeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Screening

    operator = factory.SubFactory(OperatorFactory)
    visit = factory.SubFactory(VisitFactory, operator=factory.SelfAttribute("..operator"))
    month = factory.LazyFunction(lambda: timezone.localdate().replace(day=1))
    made_at = factory.LazyFunction(timezone.now)
    estimated_at = factory.SelfAttribute("made_at")
    inputs = factory.LazyFunction(lambda: dict(SINGLE_IN_SOCIAL_HOUSING))
    kinds_found = factory.LazyFunction(lambda: [RightKind.RSA])


class ScreeningRightFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningRight

    operator = factory.SubFactory(OperatorFactory)
    screening = factory.SubFactory(ScreeningFactory, operator=factory.SelfAttribute("..operator"))
    made_on = factory.LazyFunction(timezone.localdate)
    kind = RightKind.RSA
    amount = Decimal("573.49")
    likely_missing = True


class ScreeningSetupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScreeningSetup

    operator = factory.SubFactory(OperatorFactory)
    default_commune = "62083"


class EstimatedRightsLinkFactory(factory.django.DjangoModelFactory):
    """A link sent by SMS; its token is `factory.token` (kept hashed on the row)."""

    class Meta:
        model = EstimatedRightsLink

    class Params:
        token = factory.Sequence(lambda n: f"jeton-de-test-{n:06d}-abcdefgh")

    operator = factory.SubFactory(OperatorFactory)
    screening = factory.SubFactory(ScreeningFactory, operator=factory.SelfAttribute("..operator"))
    person = factory.LazyAttribute(lambda link: link.screening.visit.person)
    token_hash = factory.LazyAttribute(lambda link: token_hash(link.token))
    channel = SendChannel.SMS
    recipient_shown = "06 •• •• •• 12"
    consent_at = factory.LazyFunction(timezone.now)
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=30))
    sent_at = factory.LazyFunction(timezone.now)


def screening_fill(operator, *, visit, referral, partner) -> None:
    """Canary rows: the settings, a screening of `visit` with a right referred by `referral`."""
    ScreeningSetupFactory(operator=operator, partner_rsa=partner, partner_housing=partner)
    screening = ScreeningFactory(operator=operator, visit=visit)
    ScreeningRightFactory(
        operator=operator,
        screening=screening,
        referral=referral,
        referred_at=referral.proposed_at,
    )
    ScreeningRightFactory(
        operator=operator,
        screening=screening,
        kind=RightKind.HOUSING,
        amount=Decimal("274"),
        made_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    # Not sent yet: the canary marks the address it holds until then.
    EstimatedRightsLinkFactory(operator=operator, screening=screening, sent_at=None)
