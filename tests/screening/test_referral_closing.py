"""A referral made for a right found by a screening closes in one place, the referral's status
change (`referral_update_status`), whichever page it is done from: the referral's page (the
partner's or the team's) or the right's. Its closing records the right's outcome, so the right
never stays « pending » once its referral is closed and its answers emptied."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.core.roles import Role
from allervers.reception.enums import ReferralStatus
from allervers.reception.models import Referral
from allervers.screening.enums import RightKind, RightOutcome
from allervers.screening.queries import screening_figures
from allervers.screening.services import (
    screening_inputs_expire,
    screening_record,
    screening_right_outcome_set,
    screening_right_refer,
)
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.reception.factories import ReferralFactory, VisitFactory

from .factories import SINGLE_IN_SOCIAL_HOUSING, ScreeningSetupFactory

pytestmark = pytest.mark.django_db
OUTCOME_QUESTION = "Issue du droit « RSA »"


@pytest.fixture
def caf(operator):
    partner = PartnerFactory(operator=operator, name="CAF du Pas-de-Calais")
    ScreeningSetupFactory(operator=operator, partner_rsa=partner, partner_housing=partner)
    return partner


@pytest.fixture
def referred(operator, agent, caf, fake_engine):
    """A screening whose RSA was referred to the CAF (the housing aid is already received)."""
    screening = screening_record(
        visit=VisitFactory(operator=operator), inputs=SINGLE_IN_SOCIAL_HOUSING, user=agent
    )
    rsa = screening.rights.get(kind=RightKind.RSA)
    referral = screening_right_refer(right=rsa, user=agent)
    return screening, rsa, referral


@pytest.fixture
def partner_client(client, operator, make_member, caf):
    client.force_login(make_member(operator, Role.PARTNER, partner=caf))
    return client


def _page(referral) -> str:
    return reverse("reception:referral_detail", kwargs={"referral_id": referral.pk})


def _year_figures(operator) -> dict:
    figures = screening_figures(operator.pk, datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    return figures["total"]


def test_taking_up_on_the_referral_page_asks_the_outcome_and_records_it(
    partner_client, operator, referred
):
    screening, rsa, referral = referred
    page = text_of(partner_client.get(_page(referral)))
    assert OUTCOME_QUESTION in page

    # Taken up without saying whether the right was opened: refused in French, nothing changed.
    response = partner_client.post(
        _page(referral), {"status": ReferralStatus.TAKEN_UP, "version": referral.version}
    )
    assert response.status_code == 400
    assert "Indiquez l'issue du droit « RSA » : « droit ouvert » ou « refusé »." in text_of(
        response
    )
    referral.refresh_from_db(), rsa.refresh_from_db()
    assert referral.status == ReferralStatus.PROPOSED and rsa.outcome == ""

    response = partner_client.post(
        _page(referral),
        {
            "status": ReferralStatus.TAKEN_UP,
            "right_outcome": RightOutcome.OPENED,
            "note": "Dossier complet",
            "version": referral.version,
        },
    )
    assert response.status_code == 302
    referral.refresh_from_db(), rsa.refresh_from_db(), screening.refresh_from_db()
    assert referral.status == ReferralStatus.TAKEN_UP
    assert rsa.outcome == RightOutcome.OPENED and rsa.outcome_at == referral.taken_up_at
    assert referral.events.last().note == "Droit ouvert — Dossier complet"
    # The referral was the screening's last open one: its answers are emptied at once.
    assert screening.inputs is None and rsa.referral is None
    assert _year_figures(operator)["opened"] == 1
    page = text_of(partner_client.get(_page(referral)))
    assert OUTCOME_QUESTION not in page


def test_dropping_on_the_referral_page_drops_the_right(partner_client, operator, referred):
    _screening, rsa, referral = referred
    response = partner_client.post(
        _page(referral), {"status": ReferralStatus.DROPPED, "version": referral.version}
    )
    assert response.status_code == 302
    rsa.refresh_from_db()
    assert rsa.outcome == RightOutcome.DROPPED
    assert Referral.objects.get(pk=referral.pk).events.last().note == "Abandonné"
    assert _year_figures(operator)["dropped"] == 1


@pytest.mark.parametrize(
    ("status", "outcome", "message"),
    [
        (
            ReferralStatus.DROPPED,
            RightOutcome.OPENED,
            "Une orientation « abandonnée » ne peut pas avoir pour issue « droit ouvert » : "
            "choisissez « abandonné ».",
        ),
        (
            ReferralStatus.SENT,
            RightOutcome.REFUSED,
            "L'issue d'un droit s'indique quand une orientation faite pour ce droit est prise "
            "en charge ou abandonnée.",
        ),
        (ReferralStatus.TAKEN_UP, "granted", "Issue du droit inconnue : granted."),
    ],
)
def test_an_outcome_that_does_not_fit_the_status_is_refused(
    partner_client, referred, status, outcome, message
):
    _screening, rsa, referral = referred
    response = partner_client.post(
        _page(referral), {"status": status, "right_outcome": outcome, "version": 0}
    )
    assert response.status_code == 400
    assert message in text_of(response)
    referral.refresh_from_db(), rsa.refresh_from_db()
    assert referral.status == ReferralStatus.PROPOSED and rsa.outcome == ""


def test_sending_the_referral_on_records_no_outcome(partner_client, referred):
    screening, rsa, referral = referred
    response = partner_client.post(
        _page(referral), {"status": ReferralStatus.SENT, "version": referral.version}
    )
    assert response.status_code == 302
    rsa.refresh_from_db(), screening.refresh_from_db()
    assert rsa.outcome == "" and screening.inputs is not None


def test_a_referral_made_for_no_right_asks_no_outcome(client, operator, agent):
    referral = ReferralFactory(operator=operator)
    client.force_login(agent)
    assert "Issue du droit" not in text_of(client.get(_page(referral)))
    response = client.post(_page(referral), {"status": ReferralStatus.TAKEN_UP, "version": 0})
    assert response.status_code == 302


def test_the_rights_page_closes_the_referral_through_the_same_change(agent, referred):
    """The right's page records the outcome by closing the referral (one place): the referral's
    closing date, its event and the emptied answers are those of the referral page."""
    screening, rsa, referral = referred
    screening_right_outcome_set(right=rsa, outcome=RightOutcome.REFUSED, user=agent)
    referral.refresh_from_db(), rsa.refresh_from_db(), screening.refresh_from_db()
    assert referral.status == ReferralStatus.TAKEN_UP and referral.version == 1
    assert referral.events.last().note == "Refusé"
    assert rsa.outcome == RightOutcome.REFUSED and screening.inputs is None


def test_a_referral_closed_before_keeps_an_outcome_that_fits_how_it_closed(agent, referred):
    """A referral taken up before the outcome was asked (the same day: the sweep detaches it
    the next): the right's page may still record opened or refused, not dropped."""
    _screening, rsa, referral = referred
    Referral.objects.filter(pk=referral.pk).update(
        status=ReferralStatus.TAKEN_UP, taken_up_at=timezone.now()
    )
    with pytest.raises(Exception, match="ne peut pas avoir pour issue « abandonné »"):
        screening_right_outcome_set(right=rsa, outcome=RightOutcome.DROPPED, user=agent)
    screening_right_outcome_set(right=rsa, outcome=RightOutcome.OPENED, user=agent)
    rsa.refresh_from_db()
    assert rsa.outcome == RightOutcome.OPENED


def test_the_sweep_after_a_closing_on_the_referral_page_leaves_the_outcome(
    partner_client, operator, referred, clock
):
    """The defect this closes: a referral closed on its own page left its right « pending »,
    and the next day's sweep detached it without an outcome."""
    screening, rsa, referral = referred
    housing = screening.rights.get(kind=RightKind.HOUSING)
    housing.already_received, housing.likely_missing = False, True
    housing.save()
    other = screening_right_refer(right=housing, user=referral.created_by)
    partner_client.post(
        _page(referral), {"status": ReferralStatus.DROPPED, "version": referral.version}
    )
    screening.refresh_from_db()
    assert screening.inputs is not None  # the housing aid's referral is still open
    partner_client.post(
        _page(other),
        {
            "status": ReferralStatus.TAKEN_UP,
            "right_outcome": RightOutcome.OPENED,
            "version": other.version,
        },
    )
    clock.move_to(timezone.now() + datetime.timedelta(days=1))
    screening_inputs_expire()
    rsa.refresh_from_db(), housing.refresh_from_db()
    assert (rsa.outcome, housing.outcome) == (RightOutcome.DROPPED, RightOutcome.OPENED)
    totals = _year_figures(operator)
    assert (totals["dropped"], totals["opened"]) == (1, 1)
