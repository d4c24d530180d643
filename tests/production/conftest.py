"""The scratch database of the production tests: an SQLite file, or a new PostgreSQL database on
the suite's server when DATABASE_URL names one."""

import uuid

import pytest
from django.db import connection


@pytest.fixture(scope="module")
def database_url(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        vendor = connection.vendor
        params = connection.settings_dict
    if vendor == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('production') / 'allervers.sqlite3'}"
        return
    import psycopg

    name = f"allervers_production_{uuid.uuid4().hex[:10]}"
    server = {
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        "user": params.get("USER") or None,
        "password": params.get("PASSWORD") or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    user = server["user"] or ""
    password = f":{server['password']}" if server["password"] else ""
    host = server["host"] or "127.0.0.1"
    port = server["port"] or 5432
    try:
        yield f"postgres://{user}{password}@{host}:{port}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
