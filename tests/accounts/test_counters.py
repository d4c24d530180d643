"""The counters behind every limit (allervers/accounts/counters.py): one atomic increment each,
so that twenty requests at once count twenty and a limit of five lets exactly five through.

On PostgreSQL the twenty run in their own threads and connections, started together
(tests/concurrency.py); on SQLite, which serialises writers, one after the other."""

import datetime

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from allervers.accounts.counters import counter_delete, counter_increment, counter_value
from allervers.accounts.models import LimitCounter
from tests.concurrency import all_at_once

pytestmark = pytest.mark.django_db(transaction=True)

AT_ONCE = 20
MINUTE = 60


def test_twenty_counts_at_once_count_twenty():
    outcomes = all_at_once(
        [lambda: counter_increment("probe", seconds=MINUTE) for _ in range(AT_ONCE)]
    )
    assert [outcome.error for outcome in outcomes if outcome.refused] == []
    assert sorted(outcome.result for outcome in outcomes) == list(range(1, AT_ONCE + 1))
    assert counter_value("probe") == AT_ONCE


def test_twenty_counts_at_once_on_an_expired_counter_start_it_again_once(clock):
    for _ in range(7):
        counter_increment("probe", seconds=MINUTE)
    clock.shift(datetime.timedelta(seconds=MINUTE + 1))
    outcomes = all_at_once(
        [lambda: counter_increment("probe", seconds=MINUTE) for _ in range(AT_ONCE)]
    )
    assert sorted(outcome.result for outcome in outcomes) == list(range(1, AT_ONCE + 1))


def test_twenty_reset_requests_at_once_let_exactly_the_limit_through(agent):
    limit = settings.ALLERVERS_PASSWORD_RESET_LIMIT

    def ask(n):
        return (
            Client()
            .post(
                reverse("accounts:password_reset"),
                {"email": f"p{n}@example.org" if n else agent.email},
                REMOTE_ADDR="10.0.0.3",
            )
            .status_code
        )

    outcomes = all_at_once([lambda n=n: ask(n) for n in range(AT_ONCE)])
    assert [outcome.error for outcome in outcomes if outcome.refused] == []
    statuses = sorted(outcome.result for outcome in outcomes)
    assert statuses == [302] * limit + [429] * (AT_ONCE - limit)


def test_a_counter_lasts_its_period_from_its_first_count(clock):
    assert counter_increment("probe", seconds=MINUTE) == 1
    clock.shift(datetime.timedelta(seconds=MINUTE - 1))
    assert counter_increment("probe", seconds=MINUTE) == 2
    clock.shift(datetime.timedelta(seconds=2))
    assert counter_value("probe") == 0
    assert counter_increment("probe", seconds=MINUTE) == 1


def test_restart_counts_the_period_from_the_latest_count(clock):
    counter_increment("probe", seconds=MINUTE, restart=True)
    clock.shift(datetime.timedelta(seconds=MINUTE - 1))
    counter_increment("probe", seconds=MINUTE, restart=True)
    clock.shift(datetime.timedelta(seconds=MINUTE - 1))
    assert counter_value("probe") == 2


def test_counters_are_apart_and_can_be_deleted():
    counter_increment("a", seconds=MINUTE)
    counter_increment("a", seconds=MINUTE)
    counter_increment("b", seconds=MINUTE)
    assert (counter_value("a"), counter_value("b"), counter_value("c")) == (2, 1, 0)
    counter_delete("a")
    assert (counter_value("a"), counter_value("b")) == (0, 1)


def test_what_is_counted_is_not_stored_in_clear():
    counter_increment("allervers:booking:phone:+33612345678", seconds=MINUTE)
    (key,) = LimitCounter.objects.values_list("key", flat=True)
    assert "3361" not in key and len(key) == 64


def test_expired_counters_are_deleted_as_new_ones_are_made(clock):
    for n in range(3):
        counter_increment(f"old{n}", seconds=MINUTE)
    clock.shift(datetime.timedelta(seconds=MINUTE + 1))
    counter_increment("new", seconds=MINUTE)
    assert LimitCounter.objects.count() == 1
