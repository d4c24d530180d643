"""The production set-up as the README gives it, run for real: gunicorn with three workers on the
production settings (`config.settings.base`), the default shared cache (the database), the task
worker, and a planning change made by yet another process. A cancellation must reach the public
page, the API and the feed of every worker at once, and the worker must send its messages.

The database is a scratch one of the suite's kind: an SQLite file, or a new PostgreSQL database
on the suite's server when DATABASE_URL names one.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
WORKERS = 3
# Enough requests that every gunicorn worker answers some of them (it hands out by accept()).
READS = 4 * WORKERS

pytestmark = [pytest.mark.xdist_group("production"), pytest.mark.django_db]

CREATE_DATA = """
import datetime
from django.utils import timezone
from tests.planning.factories import StopFactory
stop = StopFactory(
    operator__slug="production-smoke", operator__name="CCAS de production",
    date=timezone.localdate() + datetime.timedelta(days=2),
)
print(stop.pk)
"""

CANCEL = """
from allervers.planning.models import Stop
from allervers.planning.services import stop_cancel
stop_cancel(stop=Stop.objects.get(pk={stop_id}), reason="breakdown", note="Panne", by=None)
"""

TASK_STATUSES = """
from django_tasks_db.models import DBTaskResult
print(",".join(DBTaskResult.objects.order_by("enqueued_at").values_list("status", flat=True)))
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
def production_env(database_url, tmp_path_factory):
    static_root = tmp_path_factory.mktemp("static")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALLERVERS_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "ALLERVERS_SECRET_KEY": uuid.uuid4().hex * 2,
            "ALLERVERS_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            # Messages stay in the worker's memory: the test reads the task's status.
            "ALLERVERS_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "ALLERVERS_STATIC_ROOT": str(static_root),
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def site(production_env):
    """The installation, set up by the README's commands, and the stop to cancel."""
    env = production_env
    _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "createcachetable")
    _manage(env, "collectstatic", "--noinput", "-v", "0")
    stop_id = int(_manage(env, "shell", "--no-imports", "-c", CREATE_DATA).strip().splitlines()[-1])
    port = _free_port()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(WORKERS),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        ),
        subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--interval", "0.2", "--no-reload"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base, "/production-smoke/")
                break
            except OSError:
                assert processes[0].poll() is None, processes[0].stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "gunicorn did not answer within 60 s"
                time.sleep(0.3)
        yield {"base": base, "env": env, "stop_id": stop_id}
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def _get(base: str, path: str) -> str:
    # The TLS proxy of the README sets X-Forwarded-Proto; without it the site redirects to https.
    request = urllib.request.Request(base + path, headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request, timeout=20) as response:
        assert response.status == 200
        return response.read().decode()


def _stop_statuses(site) -> tuple[set[str], set[str], set[str]]:
    """What every read of the public page, the API and the feed says of the stop."""
    base = site["base"]
    page, api, feed = set(), set(), set()
    for _ in range(READS):
        html = _get(base, "/production-smoke/")
        page.add("annulée" if "annulée" in html.lower() else "maintenue")
        items = json.loads(_get(base, "/api/v1/operators/production-smoke/stops"))["results"]
        api.update(item["status"] for item in items if item["id"] == site["stop_id"])
        ics = _get(base, "/production-smoke/agenda.ics")
        feed.add("cancelled" if "STATUS:CANCELLED" in ics else "held")
    return page, api, feed


def test_a_cancellation_reaches_every_worker_at_once_and_the_worker_tells_people(site):
    assert _stop_statuses(site) == ({"maintenue"}, {"held"}, {"held"})

    # Another process (a coordinator's request on another server would do the same).
    _manage(site["env"], "shell", "--no-imports", "-c", CANCEL.format(stop_id=site["stop_id"]))

    assert _stop_statuses(site) == ({"annulée"}, {"cancelled"}, {"cancelled"})

    # The task worker sends the cancellation messages (queued in the database by the service).
    deadline = time.monotonic() + 60
    statuses = ""
    while time.monotonic() < deadline:
        statuses = _manage(site["env"], "shell", "--no-imports", "-c", TASK_STATUSES).strip()
        if statuses and "READY" not in statuses and "RUNNING" not in statuses:
            break
        time.sleep(0.5)
    assert statuses, "no task was enqueued by the cancellation"
    assert set(statuses.split(",")) == {"SUCCESSFUL"}, statuses
