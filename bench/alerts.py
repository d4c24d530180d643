"""Queueing and sending the alerts of a cancellation at a site with 5,000 subscribers, to the
local fake provider (`allervers/bookings/sms/fake.py`) with its rate limit.

A stop is cancelled; `stop_change_queue` writes the 5,000 alerts (one bulk insert, the unique
constraint against doubles), then `alert_messages_send` sends them a second's worth at a time
(`ALLERVERS_SMS_RATE_PER_SECOND`, the fake provider refusing beyond it), each claimed once. On a
fresh SQLite database (or BENCH_DATABASE_URL's). Targets: queueing under 5 s; sending within
the rate limit (the provider refuses none) and at least 80 % of it (5,000 at 100 a second: about
50 s); every subscriber exactly one SMS. Each alert costs two commits (its claim, then its
outcome: what makes it at most once when a worker dies); on a loaded 2-core machine that is
about 90 alerts a second on PostgreSQL, 25 on a SQLite file.

    python -m bench alerts   [BENCH_SUBSCRIBERS=5000 BENCH_SMS_RATE=100]   (BENCH_QUICK=1: 300)
"""

import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

from bench._quick import setting
from bench._verdict import measured, verdict

QUEUE_GOAL_SECONDS = 5.0
RATE_SHARE_GOAL = 0.8


def _setup(database: Path, rate: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # Never the DATABASE_URL of the environment: a benchmark writes and deletes rows.
    os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{database}")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django
    from django.conf import settings

    django.setup()
    settings.ALLERVERS_SMS_BACKEND = "fake"
    settings.ALLERVERS_SMS_RATE_PER_SECOND = rate
    settings.ALLERVERS_SMS_FAKE_RATE_PER_SECOND = rate
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    count = setting("BENCH_SUBSCRIBERS", full=5000, quick=300)
    rate = setting("BENCH_SMS_RATE", full=100, quick=1000)
    with tempfile.TemporaryDirectory() as folder:
        _setup(Path(folder) / "bench.sqlite3", rate)
        from django.utils import timezone

        from allervers.alerts.enums import AlertStatus
        from allervers.alerts.models import AlertMessage
        from allervers.alerts.queueing import quiet_release, stop_change_queue
        from allervers.alerts.sending import alert_messages_send
        from allervers.bookings.sms import fake
        from allervers.operators.models import Operator
        from allervers.planning.enums import CancelReason, StopStatus
        from allervers.planning.models import Site, Stop, Vehicle
        from tests.alerts.factories import subscribers_make

        operator = Operator.objects.create(name="Banc d'essai", slug=f"bench-{os.getpid()}")
        try:
            vehicle = Vehicle.objects.create(operator=operator, name="Bus")
            site = Site.objects.create(operator=operator, name="École Jules Ferry", slug="ecole")
            # Sent in the day (outside the quiet hours), for a stop two days ahead.
            now = quiet_release(operator, timezone.now())
            day = timezone.localdate(now) + datetime.timedelta(days=2)
            stop = Stop.objects.create(
                operator=operator,
                vehicle=vehicle,
                site=site,
                date=day,
                start_time=datetime.time(14),
                end_time=datetime.time(17),
                status=StopStatus.CANCELLED,
                cancel_reason=CancelReason.BREAKDOWN,
                cancelled_at=now,
            )
            subscribers_make(site, count)
            started = time.perf_counter()
            queued = stop_change_queue(stop_id=stop.pk, kind="cancelled", now=now)
            queue_seconds = time.perf_counter() - started
            measured("alerts queued", queued)
            fake.fake_reset()
            started = time.perf_counter()
            done = alert_messages_send(now=lambda: max(now, timezone.now()))
            send_seconds = time.perf_counter() - started
            sent = measured("alerts sent", done.get(AlertStatus.SENT, 0))
            numbers = [sms.to for sms in fake.SENT]
            refused = AlertMessage.objects.exclude(status=AlertStatus.SENT).count()
        finally:
            Stop.objects.filter(operator=operator).delete()  # its alerts with it
            operator.delete()
    per_second = sent / send_seconds
    print(f"Subscribers: {count}; provider's rate limit: {rate} SMS a second")
    print(f"Queued: {queued} alerts in {queue_seconds:.2f} s")
    print(f"Sent: {sent} in {send_seconds:.2f} s ({per_second:.0f} a second); not sent: {refused}")
    failed = []
    if queue_seconds > QUEUE_GOAL_SECONDS:
        failed.append(f"queueing {queue_seconds:.2f} s")
    if len(numbers) != len(set(numbers)) or len(numbers) != count:
        failed.append(f"{len(numbers)} SMS for {count} subscribers")
    if refused:
        failed.append(f"{refused} alerts not sent (refused by the provider's limit?)")
    if per_second < RATE_SHARE_GOAL * min(rate, count):
        failed.append(f"{per_second:.0f} a second")
    verdict(
        f"queue {count} alerts under {QUEUE_GOAL_SECONDS:.0f} s; send them once each, within "
        f"{rate} a second and at least {RATE_SHARE_GOAL:.0%} of it",
        failed,
    )
