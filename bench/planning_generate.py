"""Generating one year of stops for one vehicle, against a raw bulk insert of the same rows.

The year is the demo's rhythm (three stops a week in the school year, two in July-August: eight
patterns). `pattern_generate` reads what exists, skips public holidays and overlaps, then inserts;
the baseline inserts the very same rows with one `executemany` on the same connection (the
overlap trigger runs for both). Each is run in alternating rounds on a fresh SQLite database (or
the database of BENCH_DATABASE_URL); the best round of each counts. Goal (issue 3): well under a
second.

    python -m bench planning_generate   [BENCH_ROUNDS=5]   (BENCH_QUICK=1: one round)
"""

import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

from bench._quick import setting
from bench._verdict import measured, verdict

GOAL_SECONDS = 1.0
YEAR = 2025


def _setup(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # Never the DATABASE_URL of the environment: a benchmark writes and deletes rows.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _patterns(operator, vehicle, sites):
    from allervers.planning.models import SchedulePattern

    morning, afternoon = (
        (datetime.time(9), datetime.time(12)),
        (datetime.time(14), datetime.time(17)),
    )
    school = [(0, morning, 0), (2, afternoon, 1), (3, morning, 2)]
    summer = [(1, morning, 3), (3, morning, 0)]
    seasons = [
        (datetime.date(YEAR, 1, 1), datetime.date(YEAR, 6, 30), school),
        (datetime.date(YEAR, 7, 1), datetime.date(YEAR, 8, 31), summer),
        (datetime.date(YEAR, 9, 1), datetime.date(YEAR, 12, 31), school),
    ]
    return [
        SchedulePattern.objects.create(
            operator=operator,
            vehicle=vehicle,
            site=sites[site],
            weekday=weekday,
            start_time=start,
            end_time=end,
            valid_from=first,
            valid_until=last,
        )
        for first, last, rhythm in seasons
        for weekday, (start, end), site in rhythm
    ]


def main() -> None:
    rounds = setting("BENCH_ROUNDS", full=5, quick=1)
    with tempfile.TemporaryDirectory() as folder:
        _setup(Path(folder) / "bench.sqlite3")
        from django.db import connection, transaction

        from allervers.operators.models import Operator
        from allervers.planning.models import Site, Stop, Vehicle
        from allervers.planning.services import pattern_generate

        operator = Operator.objects.create(name="Banc d'essai", slug=f"bench-{os.getpid()}")
        vehicle = Vehicle.objects.create(operator=operator, name="Bus")
        sites = [
            Site.objects.create(operator=operator, name=f"Lieu {n}", slug=f"lieu-{n}", address="x")
            for n in range(4)
        ]
        patterns = _patterns(operator, vehicle, sites)

        def generate() -> list[tuple]:
            rows = []
            for pattern in patterns:
                # A past year: its dates are created only when asked (a history entry).
                plan = pattern_generate(pattern=pattern, include_past=True)
                rows += [(pattern, day) for day in sorted(plan.to_create + plan.past)]
            return rows

        def clear() -> None:
            Stop.objects.filter(operator=operator).delete()

        rows = generate()  # warm up (imports, calendars' caches) and learn the rows
        measured("stops generated", len(rows))
        clear()
        # The baseline's rows are built from the model's own fields (defaults, auto_now), so a
        # column added to `Stop` is in them too: a hand-written column list went out of date.
        table = Stop._meta.db_table
        fields = [field for field in Stop._meta.concrete_fields if not field.primary_key]

        def raw_row(pattern, day) -> tuple:
            stop = Stop(
                operator=operator,
                vehicle=vehicle,
                site_id=pattern.site_id,
                date=day,
                start_time=pattern.start_time,
                end_time=pattern.end_time,
                pattern=pattern,
                pattern_date=day,
            )
            return tuple(
                field.get_db_prep_save(field.pre_save(stop, True), connection) for field in fields
            )

        raw_rows = [raw_row(pattern, day) for pattern, day in rows]
        quote = connection.ops.quote_name
        insert = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(field.column) for field in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))})"
        )

        def baseline() -> None:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(insert, raw_rows)

        timings: dict[str, list[float]] = {"baseline": [], "generate": []}
        for _ in range(rounds):
            for name, action in (("baseline", baseline), ("generate", generate)):
                started = time.perf_counter()
                action()
                timings[name].append(time.perf_counter() - started)
                assert Stop.objects.filter(operator=operator).count() == len(rows)
                clear()
        best = {name: min(values) for name, values in timings.items()}
        print(f"{connection.vendor}: one year for one vehicle = {len(rows)} stops, 8 patterns")
        print(f"  raw bulk insert (baseline) : {best['baseline'] * 1000:8.1f} ms")
        print(f"  pattern_generate           : {best['generate'] * 1000:8.1f} ms")
        print(f"  ratio                      : {best['generate'] / best['baseline']:8.1f} x")
        for pattern in patterns:
            pattern.delete()
        Operator.objects.filter(pk=operator.pk).delete()
    slow = [] if best["generate"] < GOAL_SECONDS / 4 else ["pattern_generate"]
    verdict(f"one year well under {GOAL_SECONDS:.0f} s (a quarter of it).", slow)


if __name__ == "__main__":
    main()
