"""What the production tests share: the scratch database (an SQLite file, or a new PostgreSQL
database on the suite's server when DATABASE_URL names one), the installation on it (Redis as
the cache when ALLERVERS_TEST_REDIS_URL names a database), gunicorn and the task worker
running (`running`), and the fakes they talk to (`fakes.py`: an SMTP sink, Brevo's SMS API)."""

import contextlib
import os
import uuid

import pytest
from django.db import connection

from bench import _production_site as production_site

from .fakes import FakeBrevo, SmtpSink


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


@pytest.fixture(scope="module")
def installed(database_url, tmp_path_factory):
    """The production environment on the scratch database, installed by the README's steps."""
    env = production_site.production_env(database_url, tmp_path_factory.mktemp("static"))
    redis_url = os.environ.get("ALLERVERS_TEST_REDIS_URL")
    if redis_url:
        env["ALLERVERS_CACHE_BACKEND"] = "django.core.cache.backends.redis.RedisCache"
        env["ALLERVERS_CACHE_LOCATION"] = redis_url
    production_site.install(env)
    return env


@pytest.fixture(scope="module")
def smtp():
    sink = SmtpSink()
    yield sink
    sink.close()


@pytest.fixture
def brevo():
    provider = FakeBrevo()
    yield provider
    provider.close()


@contextlib.contextmanager
def _running(env: dict):
    port = production_site.free_port()
    env = {**env, "ALLERVERS_SITE_URL": f"http://127.0.0.1:{port}"}
    processes = production_site.start(env, port)
    try:
        probe = production_site.Client(port)
        production_site.wait_until(
            lambda: (
                probe.request("GET", "/compte/connexion/")[0] == 200
                or processes[0].poll() is not None
            ),
            what="gunicorn",
        )
        assert processes[0].poll() is None, processes[0].stderr.read().decode()[-3000:]
        yield port, env, processes
    finally:
        production_site.stop(processes)


@pytest.fixture
def running():
    """`with running(env) as (port, env, processes):` gunicorn and the task worker under `env`
    (its site address set to theirs), stopped at the end of the block."""
    return _running
