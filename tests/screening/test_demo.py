"""The demo holds a year of screenings, their referrals and outcomes, as the privacy rule
leaves them."""

import datetime

import pytest
from django.utils import timezone

from allervers.demo import data
from allervers.operators.models import Operator
from allervers.reception.enums import OPEN_REFERRAL_STATUSES
from allervers.screening.enums import RightOutcome
from allervers.screening.models import Screening, ScreeningRight
from allervers.screening.queries import screening_figures

pytestmark = pytest.mark.django_db


def test_the_demo_year_has_screenings_referrals_and_opened_rights(demo):
    operator = Operator.objects.get(slug=data.OPERATOR["slug"])
    year = timezone.localdate().year - 1
    figures = screening_figures(operator.pk, datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    assert figures["screenings"] >= 30
    assert figures["total"]["found"] > figures["total"]["referred"] > figures["total"]["opened"] > 0
    assert figures["total"]["opened_amount"] > 0
    assert figures["total"]["refused"] > 0 and figures["total"]["dropped"] > 0
    # The privacy rule: answers only while a referral is open (or made today).
    kept = Screening.objects.filter(operator=operator, inputs__isnull=False)
    for screening in kept:
        assert (
            screening.made_at.date() >= timezone.localdate()
            or screening.rights.filter(referral__status__in=OPEN_REFERRAL_STATUSES).exists()
        )
    detached = ScreeningRight.objects.filter(operator=operator, screening__isnull=True)
    assert detached.exists() and not detached.filter(referral__isnull=False).exists()
    assert ScreeningRight.objects.filter(operator=operator, outcome=RightOutcome.OPENED).exists()


def test_every_demo_screening_was_estimated(demo):
    assert not Screening.objects.filter(estimated_at__isnull=True).exists()
