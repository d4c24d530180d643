"""The migration to consents per purpose keeps each person's one consent (purpose, date, who)."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.operators.factories import OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("reception", "0004_visit_client_id")]
AFTER = [("reception", "0005_person_consents")]


@pytest.fixture(autouse=True)
def _latest_migrations_after():
    """Migrating back to 0004 unapplies every app built on reception (bookings, screening...):
    the next tests of this process need them all again."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_each_person_s_consent_becomes_a_consent_row():
    operator, user = OperatorFactory(), UserFactory()
    try:
        old = _migrate(BEFORE)
        old.get_model("reception", "Person").objects.create(
            operator_id=operator.pk,
            first_name="Amina",
            consent_given_on=datetime.date(2025, 3, 4),
            consent_purpose="referral",
            consent_recorded_by_id=user.pk,
        )
    finally:
        new = _migrate(AFTER)
        # Back to the latest state: going back to BEFORE also unapplied the apps that depend on
        # reception (bookings), whose tables the following tests need.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    consent = new.get_model("reception", "PersonConsent").objects.get()
    assert (consent.purpose, consent.given_on, consent.recorded_by_id, consent.withdrawn_at) == (
        "referral",
        datetime.date(2025, 3, 4),
        user.pk,
        None,
    )
    assert consent.operator_id == operator.pk
