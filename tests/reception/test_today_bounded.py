"""Today's page shows a bounded number of visits, with the counts of all of them."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.reception.models import Visit
from allervers.reception.queries import IN_BUS_SHOWN, LEFT_SHOWN
from tests.html import text_of
from tests.reception.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def _visits(operator, stop, count: int, *, left: bool) -> None:
    start = timezone.make_aware(datetime.datetime.combine(stop.date, datetime.time(9)))
    Visit.objects.bulk_create(
        Visit(
            operator=operator,
            stop=stop,
            arrived_at=start + datetime.timedelta(seconds=index),
            left_at=start + datetime.timedelta(minutes=30, seconds=index) if left else None,
        )
        for index in range(count)
    )


def test_a_crowded_day_shows_the_counts_and_a_bounded_list(
    client, agent, operator, today_stop, django_assert_max_num_queries
):
    _visits(operator, today_stop, IN_BUS_SHOWN + 40, left=False)
    _visits(operator, today_stop, LEFT_SHOWN + 25, left=True)
    client.force_login(agent)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("reception:today"))
    page = text_of(response)
    assert f"Dans le bus ({IN_BUS_SHOWN + 40})" in page
    assert f"Parties ({LEFT_SHOWN + 25})" in page
    assert page.count(">Terminer</button>") == IN_BUS_SHOWN
    assert "Et 40 autres arrivées plus tard" in page
    assert f"Les {LEFT_SHOWN} derniers départs sont affichés" in page
    day = timezone.localdate().isoformat()
    assert f"?start={day}&end={day}" in page


def test_a_quiet_day_shows_every_visit_without_a_more_link(client, agent, operator, today_stop):
    _visits(operator, today_stop, 2, left=False)
    _visits(operator, today_stop, 1, left=True)
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:today")))
    assert "Dans le bus (2)" in page and "Parties (1)" in page
    assert page.count(">Terminer</button>") == 2
    assert "toutes les visites du jour" not in page


def test_the_overdue_referrals_are_listed_within_a_bound(client, agent, operator):
    old = timezone.now() - datetime.timedelta(days=operator.referral_overdue_days + 5)
    shown = 50  # one page of the referral list
    ReferralFactory.create_batch(
        shown + 3, operator=operator, proposed_at=old, status_changed_at=old
    )
    client.force_login(agent)
    page = text_of(client.get(reverse("reception:referral_list")))
    assert f"depuis plus de {operator.referral_overdue_days} jours ({shown + 3})" in page
    assert f"Les {shown} plus anciennes sont affichées" in page
