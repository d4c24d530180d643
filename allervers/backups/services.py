"""Back up the whole database to one file, and restore such a file.

SQLite: the file is copied page by page with SQLite's online backup API, so a backup made while
the site runs is consistent (writers wait a moment; nobody reads a half-written copy).
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean`, the tools of the server's own
distribution (their major version must be the server's or newer).
"""

import datetime
import os
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connections


class BackupError(Exception):
    """A backup or a restore that could not be done, with a French message for the operator."""


@dataclass(frozen=True)
class Database:
    vendor: str  # "sqlite" or "postgresql"
    name: str  # the SQLite file (or in-memory name) or the PostgreSQL database name
    host: str = ""
    port: str = ""
    user: str = ""
    password: str = ""

    @classmethod
    def from_settings(cls, alias: str = "default") -> "Database":
        config = settings.DATABASES[alias]
        engine = config["ENGINE"]
        if engine.endswith("sqlite3"):
            vendor = "sqlite"
        elif "postgresql" in engine:
            vendor = "postgresql"
        else:
            raise BackupError(f"Base de données non prise en charge : {engine}.")
        # Under tests, Django's connection points at the test database, not the settings' one.
        name = connections[alias].settings_dict["NAME"]
        return cls(
            vendor=vendor,
            name=str(name),
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
        )

    def pg_environment(self, dbname: str | None = None) -> dict[str, str]:
        values = {
            "PGHOST": self.host,
            "PGPORT": self.port,
            "PGUSER": self.user,
            "PGPASSWORD": self.password,
            "PGDATABASE": dbname or self.name,
        }
        return {**os.environ, **{key: value for key, value in values.items() if value}}


def default_backup_path(vendor: str, now: datetime.datetime | None = None) -> Path:
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if vendor == "sqlite" else "pgdump"
    return Path(settings.BASE_DIR) / "var" / "backups" / f"allervers-{stamp}.{suffix}"


def _run(command: list[str], env: dict[str, str]) -> None:
    try:
        subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    except FileNotFoundError as error:
        raise BackupError(
            f"L'outil {command[0]} est introuvable : installez le client PostgreSQL."
        ) from error
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip()[:500]
        raise BackupError(f"{command[0]} a échoué : {detail}") from error


def backup_create(*, output: Path | None = None, alias: str = "default") -> Path:
    """Write a consistent copy of the whole database to `output` (a new file) and return it."""
    database = Database.from_settings(alias)
    path = Path(output) if output else default_backup_path(database.vendor)
    if path.exists():
        raise BackupError(f"Le fichier {path} existe déjà : choisissez un autre nom.")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    try:
        if database.vendor == "sqlite":
            connection = connections[alias]
            connection.ensure_connection()
            target = sqlite3.connect(partial)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            _run(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}"],
                database.pg_environment(),
            )
        partial.rename(path)  # a file under the final name is always whole
    finally:
        partial.unlink(missing_ok=True)
    os.chmod(path, 0o600)  # personal data: readable by the service account only
    return path


def backup_restore(*, source: Path, target: Database | None = None, alias: str = "default"):
    """Replace the content of the `target` database (default: the site's) by a backup's."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"Le fichier {source} n'existe pas.")
    database = target or Database.from_settings(alias)
    if database.vendor == "sqlite":
        try:
            origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                if origin.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                    raise BackupError(f"Le fichier {source} est abîmé : restauration refusée.")
                if target is None:
                    connection = connections[alias]
                    connection.ensure_connection()
                    origin.backup(connection.connection)
                else:
                    destination = sqlite3.connect(database.name)
                    try:
                        origin.backup(destination)
                    finally:
                        destination.close()
            finally:
                origin.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(
                f"Le fichier {source} n'est pas une sauvegarde SQLite lisible ({error})."
            ) from error
        return
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={database.name}",
            str(source),
        ],
        database.pg_environment(),
    )
