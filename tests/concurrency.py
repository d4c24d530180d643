"""Two changes at once, as two people (two requests, two database connections) make them.

On PostgreSQL each change runs in its own thread, with its own connection and transaction:
`one_holding_the_other` makes the first change take its row locks and keep its transaction
open a moment while the second starts and has to wait for those locks (the second was built from
what was loaded before: the page each person had); `at_once` starts both at the same instant and
lets the database decide.

On SQLite, which serialises writers on the database file and whose in-memory test database
cannot take two writing threads, both helpers run the two changes one after the other in the
test's thread, in the order given: the same tests then check the sequential form of the race
(the second change built from stale objects, run after the first committed). Nothing is
skipped. Tests using these helpers need `django_db(transaction=True)`.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections, transaction

# How long the first change keeps its locks while the second waits for them.
HOLD_SECONDS = 0.3
TIMEOUT_SECONDS = 30


@dataclass
class Outcome:
    """What a change returned, or the exception it raised."""

    result: Any = None
    error: BaseException | None = None

    @property
    def refused(self) -> bool:
        return self.error is not None


def threads_available() -> bool:
    return connection.vendor == "postgresql"


def _call(change: Callable[[], Any], outcome: Outcome) -> None:
    try:
        outcome.result = change()
    except Exception as error:  # the refusal (or failure) is the test's to judge
        outcome.error = error


def _in_thread(change: Callable[[], Any], outcome: Outcome) -> threading.Thread:
    def run():
        try:
            _call(change, outcome)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _join(*threads: threading.Thread) -> None:
    for thread in threads:
        thread.join(TIMEOUT_SECONDS)
        assert not thread.is_alive(), "a change did not finish: a deadlock?"


def one_holding_the_other(
    first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[Outcome, Outcome]:
    """`first` runs and keeps its transaction (and its locks) open while `second` starts."""
    outcomes = Outcome(), Outcome()
    if not threads_available():
        _call(first, outcomes[0])
        _call(second, outcomes[1])
        return outcomes
    holding = threading.Event()

    def first_holding():
        try:
            with transaction.atomic():
                result = first()
                holding.set()
                time.sleep(HOLD_SECONDS)
            return result
        finally:
            holding.set()

    first_thread = _in_thread(first_holding, outcomes[0])
    holding.wait(TIMEOUT_SECONDS)
    second_thread = _in_thread(second, outcomes[1])
    _join(first_thread, second_thread)
    return outcomes


def at_once(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Outcome, Outcome]:
    """Both start at the same instant (PostgreSQL); one after the other in this order (SQLite)."""
    first_outcome, second_outcome = all_at_once([first, second])
    return first_outcome, second_outcome


def all_at_once(changes: list[Callable[[], Any]]) -> list[Outcome]:
    """Every change starts at the same instant, each in its own thread and connection
    (PostgreSQL); one after the other in this order (SQLite)."""
    outcomes = [Outcome() for _ in changes]
    if not threads_available():
        for change, outcome in zip(changes, outcomes, strict=True):
            _call(change, outcome)
        return outcomes
    start = threading.Barrier(len(changes), timeout=TIMEOUT_SECONDS)

    def starting_together(change):
        def run():
            start.wait()
            return change()

        return run

    threads = [
        _in_thread(starting_together(change), outcome)
        for change, outcome in zip(changes, outcomes, strict=True)
    ]
    _join(*threads)
    return outcomes
