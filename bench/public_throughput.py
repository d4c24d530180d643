"""Throughput of the cached public answers against a trivial Django view, in the same run.

Served the same way: Django's WSGI handler called in a loop (full middleware stack, same
settings, no network), on the demo service (three years of planning) in a fresh SQLite database
with the project's default cache (local memory). The trivial view is mounted in front of the
public URLs (bench/_public_throughput_urls.py). Each target is warmed up (its cache filled),
then measured in short alternating rounds; the best round of each counts.

Throughput is requests per second of this process's CPU time (`time.process_time`): on a
machine shared with other jobs, wall-clock time also measures the neighbours. Wall-clock rates
are printed too. The goal (issue 6): public page, feed and API at >= 70 % of the trivial view's
throughput; the command exits with status 1 when one is below.

    python -m bench public_throughput   [BENCH_REQUESTS=300 BENCH_ROUNDS=20]
                                        (BENCH_QUICK=1: 20 requests, one round)
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

from bench._quick import setting
from bench._verdict import measured, verdict

TARGET_RATIO = 0.70


def _setup(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings

    # The baseline view is added in front of the project's own URLs (same middleware).
    settings.ROOT_URLCONF = "bench._public_throughput_urls"


def _environ(path: str, query: str = "") -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def _serve(handler, path: str, query: str = "") -> tuple[str, int]:
    status_holder = []

    def start_response(status, headers, exc_info=None):
        status_holder.append(status)

    result = handler(_environ(path, query), start_response)
    size = sum(len(chunk) for chunk in result)
    if hasattr(result, "close"):
        result.close()
    return status_holder[0], size


def _throughput(handler, path: str, query: str, requests: int) -> tuple[float, float]:
    """(requests per CPU second, requests per wall-clock second) of one round."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        _serve(handler, path, query)
    return requests / (time.process_time() - cpu), requests / (time.perf_counter() - wall)


def main() -> None:
    requests = setting("BENCH_REQUESTS", full=300, quick=20)
    rounds = setting("BENCH_ROUNDS", full=20, quick=1)
    with tempfile.TemporaryDirectory() as folder:
        _setup(Path(folder) / "bench.sqlite3")
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.management import call_command

        from allervers.demo.loader import demo_load

        call_command("migrate", verbosity=0)
        summary = demo_load()
        slug = summary.operator.slug
        stops = sum(summary.stops_by_year.values())
        handler = WSGIHandler()
        targets = {
            "trivial view": ("/bench-trivial/", ""),
            "public page": (f"/{slug}/", ""),
            "site page": (f"/{slug}/lieux/place-du-regain/", ""),
            "iCalendar feed": (f"/{slug}/agenda.ics", ""),
            "API stops": (f"/api/v1/operators/{slug}/stops", "status=held&page_size=50"),
        }
        sizes = {}
        for name, (path, query) in targets.items():
            status, sizes[name] = _serve(handler, path, query)
            assert status.startswith("200"), (name, status)
        best = dict.fromkeys(targets, 0.0)
        best_wall = dict.fromkeys(targets, 0.0)
        for _ in range(rounds):
            for name, (path, query) in targets.items():
                cpu, wall = _throughput(handler, path, query, requests)
                best[name] = max(best[name], cpu)
                best_wall[name] = max(best_wall[name], wall)

    measured("stops in the demo service", stops)
    baseline, baseline_wall = best["trivial view"], best_wall["trivial view"]
    print(f"Demo service: {stops} stops. {requests} requests x {rounds} rounds, best round.")
    print(f"{'answer':<16} {'req/s':>9} {'ratio':>7} {'wall req/s':>11} {'ratio':>7} {'bytes':>8}")
    failed = []
    for name, rate in best.items():
        ratio = rate / baseline
        mark = ""
        if name != "trivial view" and ratio < TARGET_RATIO:
            mark = "  < target"
            failed.append(name)
        wall = best_wall[name]
        print(
            f"{name:<16} {rate:>9.0f} {ratio:>6.0%} {wall:>11.0f} {wall / baseline_wall:>6.0%} "
            f"{sizes[name]:>8}{mark}"
        )
    verdict(f"every cached answer >= {TARGET_RATIO:.0%} of the trivial view (CPU time).", failed)


if __name__ == "__main__":
    main()
