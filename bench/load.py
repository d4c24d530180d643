"""Load: agents log visits on the production set-up while pages are read.

The set-up is the README's: gunicorn with 3 workers on the production settings
(`config.settings.base`), PostgreSQL, the default shared cache (the database), the task worker.
On a scratch PostgreSQL database, a stop runs today with 2,500 visits already logged (the size
that made "today's visits" slow the visit form down in the independent test). Then for a fixed
time, N agents (50 by default), each with its own session, loop: log a visit (POST of the visit
form), read "today's visits", think a moment; while readers fetch the public page, the API and
the feed, and one baseline reader fetches a static file (served by WhiteNoise in the same
workers: the cost of a request that does no work).

Printed: requests, errors, p50 and p95 of each kind, the visit POST's p95 as a ratio to the
static file's, and rows lost (visits answered "saved" but not in the database) or doubled.
Goal (issue 11): 0 errors, 0 rows lost or doubled, visit POST p95 under 2 s; exit status 1
otherwise.

    python -m bench load   [BENCH_AGENTS=50 BENCH_SECONDS=60 BENCH_THINK=1.0 BENCH_READERS=5
                            BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres]
"""

import datetime
import http.client
import json
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import _production_site as production_site

P95_GOAL_SECONDS = 2.0
EXISTING_VISITS = 2500
WORKERS = 3

SEED = """
import datetime, json
from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from allervers.operators.enums import Role
from allervers.operators.models import Membership, Operator
from allervers.planning.models import Site, Stop, Vehicle
from allervers.reception.models import Visit
from allervers.reception.questions import QUESTIONS

operator = Operator.objects.create(name="CCAS de charge", slug="charge")
vehicle = Vehicle.objects.create(operator=operator, name="Bus")
site = Site.objects.create(operator=operator, name="Place du Regain", slug="regain",
                           address="1 place du Regain", postcode="62620", city="Barlin")
today = timezone.localdate()
stop = Stop.objects.create(operator=operator, vehicle=vehicle, site=site, date=today,
                           start_time=datetime.time(0, 0), end_time=datetime.time(23, 59))
start = timezone.make_aware(datetime.datetime.combine(today, datetime.time(0, 1)))
Visit.objects.bulk_create(
    Visit(operator=operator, stop=stop, arrived_at=start + datetime.timedelta(seconds=i),
          left_at=start + datetime.timedelta(seconds=i, minutes=40) if i % 3 else None)
    for i in range(EXISTING)
)
User = get_user_model()
sessions = []
for index in range(AGENTS):
    email = f"agent{index}@charge.example"
    fields = {"email": email, "first_name": f"Agent {index}"}
    if "username" in {f.name for f in User._meta.fields}:
        fields["username"] = email
    user = User.objects.create_user(password=None, **fields)
    Membership.objects.create(operator=operator, user=user, role=Role.AGENT)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    sessions.append(session.session_key)
answers = {q.field: q.initial for q in QUESTIONS}
print(json.dumps({"stop": stop.pk, "sessions": sessions, "answers": answers}))
"""

COUNT = """
from allervers.reception.models import Visit
print(Visit.objects.count())
"""


class Client:
    """One keep-alive connection, as a browser behind the TLS proxy (X-Forwarded-Proto)."""

    def __init__(self, port: int, session: str | None = None):
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.csrf = secrets.token_hex(16)  # 32 characters: a valid CSRF secret
        self.cookie = f"csrftoken={self.csrf}" + (f"; sessionid={session}" if session else "")

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, float]:
        headers = {
            "X-Forwarded-Proto": "https",
            "Host": "127.0.0.1",
            "Cookie": self.cookie,
            "Referer": f"https://127.0.0.1{path}",
        }
        data = None
        if body is not None:
            data = urllib.parse.urlencode({**body, "csrfmiddlewaretoken": self.csrf}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=data, headers=headers)
            response = self.connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            status = 0
        return status, time.perf_counter() - started


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = {}
        self.errors: dict[str, int] = {}
        self.statuses: dict[str, set[int]] = {}
        self.saved = 0

    def add(self, kind: str, status: int, seconds: float, ok: set[int]) -> bool:
        with self.lock:
            self.timings.setdefault(kind, []).append(seconds)
            if status not in ok:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                self.statuses.setdefault(kind, set()).add(status)
                return False
            return True


def _agent(port, session, seed, deadline, think, results: Results) -> None:
    client = Client(port, session)
    # A minute ago in Paris (the stop runs all day; an arrival in the future is refused).
    arrival = datetime.datetime.now(ZoneInfo("Europe/Paris")) - datetime.timedelta(minutes=1)
    while time.monotonic() < deadline:
        visit = {
            "stop": seed["stop"],
            "arrival_time": f"{arrival:%H:%M}",
            **seed["answers"],
            "note": "",
            "submission_token": str(uuid.uuid4()),
        }
        status, seconds = client.request("POST", "/accueil/visites/nouvelle/", visit)
        if results.add("visit POST", status, seconds, {302, 303}):
            with results.lock:
                results.saved += 1
        status, seconds = client.request("GET", "/accueil/")
        results.add("today's visits", status, seconds, {200})
        time.sleep(think)


def _reader(port, paths, kind, deadline, results: Results) -> None:
    client = Client(port)
    index = 0
    while time.monotonic() < deadline:
        status, seconds = client.request("GET", paths[index % len(paths)])
        results.add(kind, status, seconds, {200})
        index += 1
        time.sleep(0.05)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _database(admin_url: str):
    import psycopg

    name = f"allervers_load_{os.getpid()}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    parts = urllib.parse.urlsplit(admin_url)
    return name, urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def main() -> None:
    agents = int(os.environ.get("BENCH_AGENTS", "50"))
    seconds = float(os.environ.get("BENCH_SECONDS", "60"))
    think = float(os.environ.get("BENCH_THINK", "1.0"))
    readers = int(os.environ.get("BENCH_READERS", "5"))
    admin_url = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
    name, database_url = _database(admin_url)
    static_root = tempfile.mkdtemp(prefix="allervers-load-static-")
    env = production_site.production_env(database_url, static_root)
    processes = []
    try:
        print(f"Preparing {name}: migrate, cache table, static files, {EXISTING_VISITS} visits…")
        production_site.install(env)
        seed_code = SEED.replace("EXISTING", str(EXISTING_VISITS)).replace("AGENTS", str(agents))
        seed = json.loads(production_site.shell(env, seed_code))
        before = int(production_site.shell(env, COUNT))
        port = production_site.free_port()
        processes = production_site.start(env, port)
        probe = Client(port)
        for _ in range(100):
            if probe.request("GET", "/charge/")[0] == 200:
                break
            time.sleep(0.3)
        else:
            sys.exit("gunicorn did not answer")
        static = sorted(p for p in Path(static_root).rglob("*.css") if "admin" not in str(p))[0]
        static_path = "/static/" + str(static.relative_to(static_root))
        results = Results()
        deadline = time.monotonic() + seconds
        threads = [
            threading.Thread(target=_agent, args=(port, session, seed, deadline, think, results))
            for session in seed["sessions"]
        ]
        public = ["/charge/", "/api/v1/operators/charge/stops", "/charge/agenda.ics"]
        threads += [
            threading.Thread(target=_reader, args=(port, public, "public read", deadline, results))
            for _ in range(readers)
        ]
        threads.append(
            threading.Thread(
                target=_reader, args=(port, [static_path], "static file", deadline, results)
            )
        )
        print(f"{agents} agents (think {think} s) and {readers} public readers for {seconds} s…")
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = int(production_site.shell(env, COUNT))
    finally:
        production_site.stop(processes)
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    print(f"\n{'kind':<16} {'requests':>9} {'errors':>7} {'p50 (s)':>8} {'p95 (s)':>8}")
    for kind, timings in sorted(results.timings.items()):
        print(
            f"{kind:<16} {len(timings):>9} {results.errors.get(kind, 0):>7} "
            f"{statistics.median(timings):>8.3f} {_percentile(timings, 0.95):>8.3f}"
        )
    created = after - before
    lost, doubled = max(0, results.saved - created), max(0, created - results.saved)
    errors = sum(results.errors.values())
    visit_p95 = _percentile(results.timings.get("visit POST", [float("inf")]), 0.95)
    static_p95 = _percentile(results.timings.get("static file", [float("inf")]), 0.95)
    for kind, statuses in sorted(results.statuses.items()):
        print(f"{kind}: unexpected answers {sorted(statuses)} (0: no answer)")
    print(f"\nvisits answered saved: {results.saved}, rows created: {created}")
    print(f"rows lost: {lost}, rows doubled: {doubled}, errors: {errors}")
    print(f"visit POST p95 = {visit_p95:.3f} s = {visit_p95 / static_p95:.1f} × the static file's")
    goals = {
        "no error": errors == 0,
        "no row lost or doubled": lost == 0 and doubled == 0,
        f"visit POST p95 < {P95_GOAL_SECONDS} s": visit_p95 < P95_GOAL_SECONDS,
    }
    for goal, met in goals.items():
        print(f"  {'OK ' if met else 'NOT'} {goal}")
    if not all(goals.values()):
        sys.exit(1)
