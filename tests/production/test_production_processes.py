"""The production set-up as the README gives it, run for real: gunicorn with three workers on the
production settings (`config.settings.base`), the default shared cache (the database), the task
worker, and a planning change made by yet another process. A cancellation must reach the public
page, the API and the feed of every worker at once, and the worker must send its messages.

The database is a scratch one of the suite's kind: an SQLite file, or a new PostgreSQL database
on the suite's server when DATABASE_URL names one.
"""

import json
import time
import urllib.request

import pytest

from bench import _production_site as production_site

WORKERS = production_site.WORKERS
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


@pytest.fixture(scope="module")
def production_env(database_url, tmp_path_factory):
    env = production_site.production_env(database_url, tmp_path_factory.mktemp("static"))
    # Behind the README's TLS proxy (whose X-Forwarded-Proto the requests below carry).
    return {"ALLERVERS_TRUSTED_PROXY_COUNT": "1", **env}


@pytest.fixture(scope="module")
def site(production_env):
    """The installation, set up by the README's commands, and the stop to cancel."""
    env = production_env
    production_site.install(env)
    stop_id = int(production_site.shell(env, CREATE_DATA))
    port = production_site.free_port()
    processes = production_site.start(env, port)
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
        production_site.stop(processes)


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
    production_site.shell(site["env"], CANCEL.format(stop_id=site["stop_id"]) + "\nprint('ok')")

    assert _stop_statuses(site) == ({"annulée"}, {"cancelled"}, {"cancelled"})

    # The task worker sends the cancellation messages (queued in the database by the service).
    deadline = time.monotonic() + 60
    statuses = ""
    while time.monotonic() < deadline:
        statuses = production_site.shell(site["env"], TASK_STATUSES)
        if statuses and "READY" not in statuses and "RUNNING" not in statuses:
            break
        time.sleep(0.5)
    assert statuses, "no task was enqueued by the cancellation"
    assert set(statuses.split(",")) == {"SUCCESSFUL"}, statuses
