"""A development database made before accounts used e-mail addresses is set aside, not migrated.

Until issue 10 the accounts were Django's `auth.User`; they are now `accounts.User` (see
docs/architecture.md, Decisions). A database made before cannot be migrated to it, and under
`make demo` it only ever held the demo: `make demo` moves it aside and starts a fresh one.
"""

from pathlib import Path

from django.db import connections
from django.db.migrations.exceptions import InconsistentMigrationHistory
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

OLD_DATABASE_ELSEWHERE = (
    "Cette base de données a été créée avant les comptes par adresse électronique et ne peut pas "
    "être mise à jour. Ce n'est pas un fichier SQLite : supprimez-la et recréez-la vide, puis "
    "relancez `make demo`."
)


def database_is_older_than_email_accounts(alias: str = "default") -> bool:
    """Whether the database holds Django's former user table or a migration history that the
    current migrations cannot follow (both mean: made before `accounts.User`)."""
    connection = connections[alias]
    tables = connection.introspection.table_names()
    if "auth_user" in tables:
        return True
    if "django_migrations" not in tables:
        return False
    try:
        MigrationLoader(connection).check_consistent_history(connection)
    except InconsistentMigrationHistory:
        return True
    return False


def old_database_set_aside(alias: str = "default") -> Path | None:
    """Rename an old SQLite demo database to `<name>.old-<date-time>` and return the new path;
    None when the database is current. An old database that is not SQLite is refused
    (`RuntimeError` with a French message): nothing is deleted here."""
    if not database_is_older_than_email_accounts(alias):
        return None
    connection = connections[alias]
    if connection.vendor != "sqlite":
        raise RuntimeError(OLD_DATABASE_ELSEWHERE)
    path = Path(connection.settings_dict["NAME"])
    connection.close()
    target = path.with_name(f"{path.name}.old-{timezone.now():%Y%m%d-%H%M%S}")
    path.rename(target)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = path.with_name(path.name + suffix)
        if companion.exists():
            companion.rename(target.with_name(target.name + suffix))
    return target
