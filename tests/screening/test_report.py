"""The screening's figures in the dashboard and the yearly report: counts by kind of right,
amounts found and opened, small counts hidden from viewers."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from allervers.operators.enums import Role
from allervers.reporting.models import YearClosure
from allervers.reporting.services import year_close
from allervers.screening.enums import RightKind, RightOutcome
from allervers.screening.queries import screening_figures
from tests.html import text_of, without_cell_labels
from tests.reception.factories import ReferralFactory

from .factories import ScreeningFactory, ScreeningRightFactory

pytestmark = pytest.mark.django_db
YEAR_2026 = {"periode": "annee", "annee": "2026"}


@pytest.fixture
def figures(operator):
    """Six screenings; RSA found 6 times (5 referred, 5 opened), housing aid twice (1 opened),
    one right already received (not counted as found), one of last year."""
    for n in range(6):
        screening = ScreeningFactory(operator=operator)
        referral = ReferralFactory(operator=operator, visit=screening.visit) if n < 5 else None
        ScreeningRightFactory(
            operator=operator,
            screening=screening,
            amount=Decimal("500"),
            referral=referral,
            referred_at=referral.proposed_at if referral else None,
            outcome=RightOutcome.OPENED if referral else "",
        )
    for outcome in (RightOutcome.OPENED, ""):
        referral = ReferralFactory(operator=operator)
        ScreeningRightFactory(
            operator=operator,
            kind=RightKind.HOUSING,
            amount=Decimal("250"),
            referral=referral,
            referred_at=referral.proposed_at,
            outcome=outcome,
        )
    ScreeningRightFactory(operator=operator, already_received=True, likely_missing=False)
    ScreeningRightFactory(operator=operator, made_on=datetime.date(2025, 12, 31))


def test_the_figures_count_rights_found_referred_and_opened(operator, figures):
    result = screening_figures(operator.pk, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    rows = {row["kind"]: row for row in result["kinds"]}
    assert rows[RightKind.RSA]["found"] == 6 and rows[RightKind.RSA]["referred"] == 5
    assert rows[RightKind.RSA]["opened"] == 5
    assert rows[RightKind.RSA]["found_amount"] == 3000
    assert rows[RightKind.RSA]["opened_amount"] == 2500
    assert rows[RightKind.HOUSING]["found"] == 2 and rows[RightKind.HOUSING]["opened"] == 1
    assert result["total"]["found"] == 8 and result["total"]["opened"] == 6
    assert result["total"]["opened_amount"] == 2750


def test_the_dashboard_shows_them_and_hides_small_counts_from_viewers(
    client, operator, coordinator, make_member, figures
):
    client.force_login(coordinator)
    page = text_of(client.get(reverse("reporting:dashboard"), YEAR_2026))
    assert "Repérage des droits (non-recours)" in page
    assert '<td data-label="Montant mensuel repéré">3\u202f000\u00a0€</td>' in page
    page = without_cell_labels(page)
    assert (
        '<th scope="row">RSA</th><td>6</td><td>3\u202f000\u00a0€</td><td>5</td><td>5</td>' in page
    )
    client.force_login(make_member(operator, Role.VIEWER))
    page = without_cell_labels(text_of(client.get(reverse("reporting:dashboard"), YEAR_2026)))
    housing = RightKind.HOUSING.label
    assert f'<th scope="row">{housing}</th><td>< 5</td><td>n.c.</td>' in page
    # The total would give the hidden housing figures away: hidden too.
    assert '<th scope="row">Total</th><td>n.c.</td>' in page


def test_the_yearly_report_pdf_has_the_section(client, coordinator, figures):
    client.force_login(coordinator)
    response = client.get(reverse("reporting:export_pdf"), YEAR_2026)
    pdf = PdfReader(io.BytesIO(response.content))
    assert "Repérage des droits (non-recours)" in "".join(p.extract_text() for p in pdf.pages)


def test_a_partners_own_report_has_no_screening_section(client, operator, make_member, figures):
    client.force_login(make_member(operator, Role.PARTNER))
    page = text_of(client.get(reverse("reporting:dashboard"), YEAR_2026))
    assert "Repérage des droits" not in page


def test_a_closed_year_shows_the_screening_figures_stored_at_its_closing(
    client, operator, coordinator
):
    ScreeningRightFactory(operator=operator, made_on=datetime.date(2025, 3, 1), amount=500)
    year_close(operator=operator, year=2025, user=coordinator)
    ScreeningRightFactory(operator=operator, made_on=datetime.date(2025, 4, 1), amount=500)
    client.force_login(coordinator)
    year_2025 = {"periode": "annee", "annee": "2025"}
    page = without_cell_labels(text_of(client.get(reverse("reporting:dashboard"), year_2025)))
    assert '<th scope="row">RSA</th><td>1</td><td>500\u00a0€</td>' in page

    # A year closed before the screening existed says so rather than computing it live.
    closure = YearClosure.objects.get(operator=operator, year=2025)
    closure.figures.pop("screening")
    closure.save()
    page = text_of(client.get(reverse("reporting:dashboard"), year_2025))
    assert "close avant l'arrivée du repérage des droits" in page
