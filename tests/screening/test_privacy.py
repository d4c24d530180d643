"""Privacy of the screening (issue 26.4): a detached right keeps only its month, kind and amount
band; no export with names carries the answers; the person's export lists her screenings."""

import datetime
import io
import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from allervers.screening.closing import screening_inputs_clear
from allervers.screening.enums import AmountBand, RightKind, RightOutcome, amount_band
from allervers.screening.models import ScreeningRight
from allervers.screening.queries import screening_figures
from tests.reception.factories import PersonFactory, VisitFactory

from .factories import SINGLE_IN_SOCIAL_HOUSING, ScreeningFactory, ScreeningRightFactory

pytestmark = pytest.mark.django_db

# Answers no other field of a visit or a person could hold.
ANSWERS = {**SINGLE_IN_SOCIAL_HOUSING, "rent": 4321, "commune": "97411"}


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        (None, ""),
        (Decimal("0.01"), AmountBand.UNDER_100),
        (Decimal("99.99"), AmountBand.UNDER_100),
        (Decimal("100"), AmountBand.FROM_100),
        (Decimal("299.99"), AmountBand.FROM_100),
        (Decimal("300"), AmountBand.FROM_300),
        (Decimal("599.99"), AmountBand.FROM_300),
        (Decimal("600"), AmountBand.FROM_600),
        (Decimal("1043.59"), AmountBand.FROM_600),
    ],
)
def test_the_bands(amount, band):
    assert amount_band(amount) == band


def test_a_detached_right_keeps_only_its_month_kind_outcome_and_band(operator):
    screening = ScreeningFactory(operator=operator, inputs=dict(ANSWERS))
    rsa = ScreeningRightFactory(
        operator=operator,
        screening=screening,
        made_on=datetime.date(2026, 3, 17),
        amount=Decimal("573.49"),
    )
    css = ScreeningRightFactory(
        operator=operator,
        screening=screening,
        made_on=datetime.date(2026, 3, 17),
        kind=RightKind.CSS,
        amount=None,
        participation=Decimal("24.00"),
    )
    screening_inputs_clear(screening=screening)
    rsa.refresh_from_db()
    css.refresh_from_db()
    assert (rsa.screening_id, rsa.referral_id, rsa.amount) == (None, None, None)
    assert rsa.amount_band == AmountBand.FROM_300
    assert rsa.made_on == datetime.date(2026, 3, 1)
    assert rsa.kind == RightKind.RSA and rsa.likely_missing
    assert (css.amount, css.participation, css.amount_band) == (None, None, "")
    screening.refresh_from_db()
    assert screening.inputs is None and screening.kinds_found == [RightKind.RSA, RightKind.CSS]


def test_the_figures_count_a_detached_right_for_its_bands_value(operator):
    kept = ScreeningRightFactory(operator=operator, amount=Decimal("100.00"))
    detached = ScreeningRightFactory(
        operator=operator,
        amount=Decimal("573.49"),
        outcome=RightOutcome.OPENED,
        referred_at=kept.screening.made_at,
    )
    screening_inputs_clear(screening=detached.screening)
    today = timezone.localdate()
    figures = screening_figures(operator.pk, today.replace(day=1), today)
    assert figures["total"]["found"] == 2
    assert figures["total"]["found_amount"] == 550.0  # 100 + the band 300-599 counted 450
    assert figures["total"]["opened_amount"] == 450.0


def test_a_right_cannot_hold_both_its_amount_and_a_band(operator):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ScreeningRightFactory(operator=operator, amount=Decimal("5"), amount_band="lt100")
    assert not ScreeningRight.objects.exists()


@pytest.fixture
def screened(operator):
    person = PersonFactory(operator=operator)
    kept = ScreeningFactory(
        operator=operator, visit=VisitFactory(operator=operator, person=person), inputs=ANSWERS
    )
    ScreeningRightFactory(operator=operator, screening=kept, amount=Decimal("573.49"))
    ScreeningRightFactory(
        operator=operator,
        screening=kept,
        kind=RightKind.HOUSING,
        amount=Decimal("274"),
        likely_missing=False,
        already_received=True,
    )
    emptied = ScreeningFactory(
        operator=operator,
        visit=VisitFactory(operator=operator, person=person),
        inputs=ANSWERS,
        kinds_found=[RightKind.ASPA],
    )
    ScreeningRightFactory(
        operator=operator, screening=emptied, kind=RightKind.ASPA, amount=Decimal("1043.59")
    )
    screening_inputs_clear(screening=emptied)
    return person


def test_the_persons_export_lists_her_screenings_never_their_answers(client, coordinator, screened):
    client.force_login(coordinator)
    url = reverse("reception:person_export_json", kwargs={"person_id": screened.pk})
    body = client.get(url).content.decode()
    data = json.loads(body)
    assert [row["rights"] for row in data["screenings"]] == [
        [
            {"right": "RSA", "amount": "573.49", "participation": None, "already_received": False},
            {
                "right": "Aide au logement (APL, ALF, ALS)",
                "amount": "274.00",
                "participation": None,
                "already_received": True,
            },
        ],
        [{"right": "Minimum vieillesse (ASPA)"}],  # answers emptied: the kinds only
    ]
    assert [row["kept"] for row in data["screenings"]] == [True, False]
    # The factories' numbered names (« Place numéro 1043 ») are not answers.
    answers_seen = re.sub(r"numéro \d+", "", body)
    assert "4321" not in answers_seen and "97411" not in answers_seen
    assert "social_tenant" not in body and "1043.59" not in body and "1043,59" not in body
    pdf = client.get(reverse("reception:person_export_pdf", kwargs={"person_id": screened.pk}))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Repérages des droits (2)" in text
    assert "4321" not in text and "97411" not in text


def test_the_visit_export_carries_no_screening_answer(client, coordinator, screened):
    client.force_login(coordinator)
    response = client.get(reverse("reception:visit_export"))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    assert text.count("\n") >= 3  # the header and the two screened visits
    assert "4321" not in text and "97411" not in text and "573" not in text
