import contextlib
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.core.cache import cache
from django.db import IntegrityError, connection, models, transaction
from django.test import Client
from django.utils import timezone

from allervers.core.roles import Role
from tests.accounts.second_factor import pass_second_factor
from tests.operators.factories import MembershipFactory, OperatorFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import StopFactory

PARIS = ZoneInfo("Europe/Paris")
# Every test runs at this instant (a Wednesday of school term, no public holiday, mid-morning in
# Paris): far from midnight and from a minute boundary, so « today » and « now » never change
# under a test. The clock ticks from there; a test that needs another instant moves it with
# `clock.move_to(...)` or `clock.shift(...)`.
NOW = datetime.datetime(2026, 6, 10, 10, 0, tzinfo=PARIS)


@pytest.fixture(autouse=True)
def clock(time_machine):
    """time-machine's fixture, started at NOW for every test."""
    time_machine.move_to(NOW)
    return time_machine


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(request, monkeypatch):
    """`client.force_login(user)` stands for a whole login, second factor included: the session
    is verified by a device of the user. A test marked `second_factor` goes through the steps
    itself (force_login then leaves the session at the password step)."""
    if request.node.get_closest_marker("second_factor"):
        return
    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        pass_second_factor(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: SQLite gives a rolled-back row's id to the next one,
    so a page cached under an operator's planning revision could be served to another test."""
    cache.clear()
    yield
    cache.clear()


@contextlib.contextmanager
def refused_by(name: str):
    """The database refuses the block's write, and the error is the one of constraint `name`.

    PostgreSQL names every constraint and SQLite names a check constraint; a trigger's message
    starts with its name on both (planning's `stop_overlap`). SQLite does not name a unique
    constraint over fields: it lists its columns (« UNIQUE constraint failed: table.a, table.b »),
    which identify it as well."""
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        yield error
    expected = _constraint_wording(name)
    assert expected in str(error.value), f"expected {expected!r}, the database said {error.value}"


def refused(constraint: str, factory, **fields) -> None:
    """`factory(**fields)` is refused by the database's constraint (or trigger) `constraint`."""
    with refused_by(constraint):
        factory(**fields)


def _constraint_wording(name: str) -> str:
    if connection.vendor != "sqlite":
        return name
    for model in apps.get_models():
        for constraint in model._meta.constraints:
            if constraint.name == name and isinstance(constraint, models.UniqueConstraint):
                if not constraint.fields:  # an expression index: SQLite names it
                    return name
                table = model._meta.db_table
                columns = [model._meta.get_field(field).column for field in constraint.fields]
                return "UNIQUE constraint failed: " + ", ".join(f"{table}.{c}" for c in columns)
    return name


@pytest.fixture
def operator(db):
    return OperatorFactory(name="CCAS de test", slug="ccas-test")


@pytest.fixture
def other_operator(db):
    return OperatorFactory(name="CCAS voisin", slug="ccas-voisin")


@pytest.fixture
def make_member(db):
    """Create a user with `role` in `operator` (a partner role gets a partner organisation)."""

    def make(operator, role: Role, partner=None, **user_fields):
        if role == Role.PARTNER and partner is None:
            partner = PartnerFactory(operator=operator)
        membership = MembershipFactory(
            operator=operator,
            role=role,
            partner=partner,
            **{f"user__{k}": v for k, v in user_fields.items()},
        )
        return membership.user

    return make


@pytest.fixture
def coordinator(operator, make_member):
    return make_member(operator, Role.COORDINATOR)


@pytest.fixture
def agent(operator, make_member):
    return make_member(operator, Role.AGENT)


@pytest.fixture
def today_stop(operator):
    """Today's held stop, running all day so that "now" always falls inside it."""
    return StopFactory(
        operator=operator,
        date=timezone.localdate(),
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 59),
        site__name="Place du Regain",
        site__slug="place-du-regain",
    )


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo service, loaded once per test module (it takes a few seconds) and removed after."""
    from allervers.demo import data
    from allervers.demo.loader import demo_load, demo_remove, demo_users_remove
    from allervers.operators.models import Operator

    with django_db_blocker.unblock(), time_machine.travel(NOW):
        summary = demo_load()
    yield summary
    with django_db_blocker.unblock(), time_machine.travel(NOW):
        demo_remove(Operator.objects.get(slug=data.OPERATOR["slug"]))
        demo_users_remove()


@pytest.fixture
def sms_outbox(settings, tmp_path):
    """The SMS of the test: the file backend writes into the test's own directory; call the
    fixture's value for the SMS sent so far ([{"to": ..., "text": ...}])."""
    from allervers.bookings.sms.file import sent_sms

    settings.ALLERVERS_SMS_BACKEND = "file"
    settings.ALLERVERS_SMS_FILE_DIR = str(tmp_path / "sms")
    return sent_sms
