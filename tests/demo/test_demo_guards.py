"""The demo stays out of production and never removes a real operator or account."""

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from allervers.core.roles import Role
from allervers.demo import data
from allervers.operators.models import Membership, Operator
from tests.operators.factories import MembershipFactory, OperatorFactory, UserFactory

ROOT = Path(settings.BASE_DIR)


def manage(*args: str, settings_module: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "ALLERVERS_SECRET_KEY": "test-only-insecure-key",
        **env,
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_production_settings_do_not_install_the_demo():
    result = manage(
        "shell",
        "-c",
        "from django.apps import apps; print(apps.is_installed('allervers.demo'))",
        settings_module="config.settings.base",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False"
    assert "allervers.demo" in settings.INSTALLED_APPS  # the test settings (from dev.py) do


def test_load_demo_under_the_production_settings_refuses_in_french(tmp_path):
    database = tmp_path / "production.sqlite3"
    result = manage(
        "load_demo", settings_module="config.settings.base", DATABASE_URL=f"sqlite:///{database}"
    )
    assert result.returncode == 1
    assert "Unknown command" not in result.stderr
    assert "La démonstration ne se charge jamais avec les réglages de production" in result.stderr
    assert "make demo" in result.stderr
    if database.exists():  # nothing was written to it
        with sqlite3.connect(database) as connection:
            assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


@pytest.mark.django_db
def test_load_demo_refuses_when_a_real_operator_holds_the_demo_slug():
    # The demo may be loaded by this module's other tests: its operator then becomes the real one
    # (inside this test's transaction, rolled back after).
    Operator.objects.filter(slug=data.OPERATOR["slug"]).update(slug="ccas-barlin-demo-ecartee")
    real = OperatorFactory(slug=data.OPERATOR["slug"], name="CCAS de Barlin")
    coordinator = MembershipFactory(operator=real, role=Role.COORDINATOR)
    operators_before = Operator.objects.count()
    with pytest.raises(CommandError, match=r"Une structure réelle .* « ccas-barlin »"):
        call_command("load_demo")
    real.refresh_from_db()
    assert real.name == "CCAS de Barlin" and not real.is_demo
    assert Membership.objects.filter(pk=coordinator.pk).exists()
    assert Operator.objects.count() == operators_before


@pytest.mark.django_db
def test_load_demo_refuses_when_a_demo_address_has_a_role_in_a_real_operator():
    real = OperatorFactory()
    address = data.demo_email("coordination")
    # The demo may be loaded by this module's other tests: its account then already exists.
    user = get_user_model().objects.filter(email=address).first() or UserFactory(email=address)
    MembershipFactory(operator=real, user=user, role=Role.AGENT)
    demo_before = list(Operator.objects.filter(is_demo=True).values_list("pk", flat=True))
    with pytest.raises(CommandError, match="a un rôle dans une structure réelle"):
        call_command("load_demo")
    assert list(Operator.objects.filter(is_demo=True).values_list("pk", flat=True)) == demo_before
    user.refresh_from_db()
    assert Membership.objects.filter(user=user, operator=real).exists()


@pytest.mark.django_db
def test_load_demo_removes_only_operators_marked_demo(demo):
    real = OperatorFactory(slug="ccas-reel")
    MembershipFactory(operator=real, role=Role.COORDINATOR)
    previous_demo_id = demo.operator.pk
    call_command("load_demo", stdout=io.StringIO())
    assert Operator.objects.filter(pk=real.pk).exists()
    assert not Operator.objects.filter(pk=previous_demo_id).exists()
    assert Operator.objects.get(slug=data.OPERATOR["slug"]).is_demo


def _database_with(path: Path, *statements: str) -> None:
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)


MIGRATIONS_TABLE = (
    "CREATE TABLE django_migrations (id integer primary key, app varchar(255), "
    "name varchar(255), applied datetime)"
)


@pytest.mark.parametrize(
    "statements",
    [
        pytest.param(["CREATE TABLE auth_user (id integer primary key)"], id="auth_user-table"),
        pytest.param(
            [
                MIGRATIONS_TABLE,
                "INSERT INTO django_migrations (app, name, applied) "
                "VALUES ('admin', '0001_initial', '2026-01-01')",
            ],
            id="inconsistent-history",
        ),
    ],
)
def test_make_demo_sets_an_old_database_aside_with_a_french_message(tmp_path, statements):
    database = tmp_path / "allervers.sqlite3"
    _database_with(database, *statements)
    result = manage(
        "demo_database_prepare",
        settings_module="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert result.returncode == 0, result.stderr
    assert not database.exists()
    (old,) = tmp_path.glob("allervers.sqlite3.old-*")
    assert str(old) in result.stdout
    assert "mise de côté" in result.stdout
    with sqlite3.connect(old) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] >= 1


def test_make_demo_keeps_a_current_database(tmp_path):
    database = tmp_path / "allervers.sqlite3"
    migrate = manage(
        "migrate",
        "-v",
        "0",
        settings_module="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert migrate.returncode == 0, migrate.stderr
    result = manage(
        "demo_database_prepare",
        settings_module="config.settings.dev",
        DATABASE_URL=f"sqlite:///{database}",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert database.exists()
    assert list(tmp_path.glob("*.old-*")) == []


def test_the_readme_lists_every_demo_login():
    readme = (ROOT / "README.md").read_text()
    for key, *_ in data.USERS:
        assert f"| `{data.demo_email(key)}` |" in readme
    assert data.DEMO_PASSWORD in readme
    assert data.DEMO_TOTP_SECRET in readme
    assert all(f"`{code}`" in readme for code in data.DEMO_BACKUP_CODES)
