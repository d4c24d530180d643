"""On PostgreSQL the application's role cannot get round the access log's guard (issue 23 point
4): the role set-up of docs/privacy.md is applied as written, in the test's transaction, and the
application's role then cannot TRUNCATE the log, disable its trigger, or delete entries even with
the purge's setting; it still writes and reads entries."""

import contextlib
import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from allervers.accesslog.chain import chain_verify
from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.accesslog.services import record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the database roles are PostgreSQL's"
    ),
]

DOCS = Path(settings.BASE_DIR) / "docs" / "privacy.md"
TABLE = "accesslog_accesslogentry"


def roles_sql(app_role: str) -> str:
    """The SQL block of docs/privacy.md, for this database, its owner and `app_role`."""
    block = re.search(r"```sql\n\s*(-- the roles\b.*?)```", DOCS.read_text(), re.DOTALL)
    assert block, "docs/privacy.md lost its roles' SQL block"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
    sql = block.group(1).replace("allervers_app", app_role)
    sql = sql.replace("DATABASE allervers ", f'DATABASE "{database}" ')
    return re.sub(r"\ballervers\b", f'"{owner}"', sql)


@contextlib.contextmanager
def as_role(role: str):
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {role}")
        yield cursor
        cursor.execute("RESET ROLE")


def refused(role: str, *statements: str) -> str:
    with pytest.raises(DatabaseError) as error, as_role(role) as cursor:
        for statement in statements:
            cursor.execute(statement)
    return str(error.value)


@pytest.fixture
def app_role():
    role = f"allervers_app_{uuid.uuid4().hex[:12]}"
    with connection.cursor() as cursor:
        cursor.execute(roles_sql(role))
    return role


def test_the_applications_role_writes_and_reads_the_log(app_role, operator):
    with as_role(app_role):
        record(None, Action.PERSON_VIEWED, operator=operator, target_id=1)
        record(None, Action.PERSON_VIEWED, operator=operator, target_id=2)
        assert AccessLogEntry.objects.filter(operator=operator).count() == 2
    assert chain_verify(operator).whole


def test_the_applications_role_cannot_truncate_disable_or_delete(app_role, operator):
    entry = record(None, Action.PERSON_VIEWED, operator=operator)
    assert "permission denied" in refused(app_role, f"TRUNCATE {TABLE}")
    assert "must be owner" in refused(
        app_role, f"ALTER TABLE {TABLE} DISABLE TRIGGER accesslog_append_only"
    )
    assert "must be owner" in refused(app_role, f"ALTER TABLE {TABLE} DISABLE TRIGGER ALL")
    refused(
        app_role,
        "SELECT set_config('allervers.accesslog_purge', 'on', true)",
        f"DELETE FROM {TABLE}",
    )
    refused(app_role, f"UPDATE {TABLE} SET detail = 'x'")
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_even_granted_delete_and_truncate_the_trigger_refuses_them_to_the_applications_role(
    app_role, operator
):
    """The REVOKE of the set-up forgotten: the trigger alone still refuses, because it lets a
    DELETE or a TRUNCATE through only for the table's owner (the purge's setting is not enough)."""
    entry = record(None, Action.PERSON_VIEWED, operator=operator)
    with connection.cursor() as cursor:
        cursor.execute(f"GRANT DELETE, TRUNCATE ON {TABLE} TO {app_role}")
    message = refused(
        app_role,
        "SELECT set_config('allervers.accesslog_purge', 'on', true)",
        f"DELETE FROM {TABLE}",
    )
    assert "accesslog_append_only" in message
    message = refused(
        app_role,
        "SELECT set_config('allervers.accesslog_truncate', 'on', true)",
        f"TRUNCATE {TABLE}",
    )
    assert "accesslog_append_only" in message
    assert AccessLogEntry.objects.filter(pk=entry.pk).exists()


def test_the_owner_cannot_truncate_by_mistake(operator):
    record(None, Action.PERSON_VIEWED, operator=operator)
    with pytest.raises(DatabaseError) as error, transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT set_config('allervers.accesslog_truncate', 'off', true)")
        c.execute(f"TRUNCATE {TABLE}")
    assert "accesslog_append_only" in str(error.value)
    assert AccessLogEntry.objects.filter(operator=operator).exists()
