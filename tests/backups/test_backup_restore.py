"""`manage.py backup` then `restore` gives back the same rows, on SQLite and on PostgreSQL."""

import sqlite3
import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.services import record
from allervers.backups.services import BackupError, Database, backup_restore
from allervers.operators.models import Operator
from tests.operators.factories import OperatorFactory
from tests.planning.factories import StopFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _live_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.fixture
def some_data():
    operator = OperatorFactory(name="CCAS sauvegardé")
    StopFactory.create_batch(3, operator=operator)
    # The access log refuses changes (a trigger): a backup and a restore must carry it anyway.
    record(None, Action.PERSON_VIEWED, operator=operator, target_type="person", target_id=1)
    return operator


@pytest.fixture
def scratch(tmp_path):
    """An empty database of the same kind as the test one, dropped afterwards."""
    live = Database.from_settings()
    if live.vendor == "sqlite":
        yield Database(vendor="sqlite", name=str(tmp_path / "scratch.sqlite3"))
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = _pg_connect(live, "postgres")
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield Database(
            vendor="postgresql",
            name=name,
            host=live.host,
            port=live.port,
            user=live.user,
            password=live.password,
        )
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _pg_connect(database: Database, dbname: str):
    return psycopg.connect(
        host=database.host or None,
        port=database.port or None,
        user=database.user or None,
        password=database.password or None,
        dbname=dbname,
        autocommit=True,
    )


def _scratch_counts(database: Database, tables) -> dict[str, int]:
    if database.vendor == "sqlite":
        link = sqlite3.connect(database.name)
    else:
        link = _pg_connect(database, database.name)
    try:
        return {
            table: link.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables
        }
    finally:
        link.close()


def test_a_backup_restored_into_a_scratch_database_holds_the_same_rows(
    some_data, scratch, tmp_path
):
    output = tmp_path / "allervers.backup"
    call_command("backup", output=output)
    assert output.is_file()
    assert oct(output.stat().st_mode & 0o777) == "0o600"

    backup_restore(source=output, target=scratch)

    live = _live_counts()
    assert live[Operator._meta.db_table] >= 1
    assert _scratch_counts(scratch, live) == live


def test_restore_brings_back_the_rows_as_they_were_at_the_backup(some_data, tmp_path):
    output = tmp_path / "before.backup"
    call_command("backup", output=output)
    before = _live_counts()
    Operator.objects.filter(pk=some_data.pk).update(name="Renommé après la sauvegarde")
    OperatorFactory(name="Créé après la sauvegarde")
    record(None, Action.VISIT_CREATED, operator=some_data, detail="après la sauvegarde")

    call_command("restore", output, interactive=False)

    assert Operator.objects.get(pk=some_data.pk).name == "CCAS sauvegardé"
    assert not Operator.objects.filter(name="Créé après la sauvegarde").exists()
    entries = AccessLogEntry.objects.for_operator(some_data)
    assert list(entries.values_list("action", flat=True)) == ["person_viewed"]
    assert _live_counts() == before


def test_a_backup_never_overwrites_a_file(some_data, tmp_path):
    output = tmp_path / "taken.backup"
    output.write_bytes(b"precious")
    with pytest.raises(CommandError, match="existe déjà"):
        call_command("backup", output=output)
    assert output.read_bytes() == b"precious"


def test_restoring_a_missing_file_is_refused_in_french(tmp_path):
    with pytest.raises(CommandError, match="n'existe pas"):
        call_command("restore", tmp_path / "absent.backup", interactive=False)


def test_restoring_a_file_that_is_no_backup_changes_nothing(some_data, tmp_path):
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(b"this is not a database\x00" * 100)
    before = _live_counts()
    with pytest.raises(CommandError):
        call_command("restore", garbage, interactive=False)
    assert _live_counts() == before


def test_restore_asks_first_and_a_no_changes_nothing(some_data, tmp_path, monkeypatch):
    output = tmp_path / "asked.backup"
    call_command("backup", output=output)
    OperatorFactory(name="Créé après la sauvegarde")
    record(None, Action.VISIT_CREATED, operator=some_data, detail="après la sauvegarde")
    monkeypatch.setattr("builtins.input", lambda prompt: "non")
    with pytest.raises(CommandError, match="abandonnée"):
        call_command("restore", output)
    assert Operator.objects.filter(name="Créé après la sauvegarde").exists()


def test_an_unsupported_database_is_a_clear_error(settings, monkeypatch):
    monkeypatch.setitem(settings.DATABASES["default"], "ENGINE", "x.mysql")
    with pytest.raises(BackupError, match="non prise en charge"):
        Database.from_settings()
