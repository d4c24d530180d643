"""A new structure's first day on the production set-up, run for real (issue 22 point 6).

gunicorn and the task worker on the production settings (`config.settings.base`), the scratch
database of the suite's kind (PostgreSQL when DATABASE_URL names one), Redis as the cache when
ALLERVERS_TEST_REDIS_URL names a database, e--mails through an SMTP server (a sink in this
process) and, again, through the file backend (any backend but SMTP once failed every e-mail),
SMS through the Brevo backend pointed at a fake provider in this process.

The platform creates the structure (`manage.py operator_create`); the invitation arrives; the
coordinator chooses her password by its link, logs in, sets up her second factor (the code
computed here from the key the page shows) and reaches her pages; a resident books an
appointment on the public page and gets the e-mail and the SMS. A second test kills the worker
(SIGKILL) while it sends a booking's messages: after the restart the task completes once, and
nothing is sent twice.
"""

import base64
import contextlib
import email
import email.policy
import json
import os
import re
import signal

import pytest
import time_machine
from django_otp.oath import TOTP

from bench import _production_site as production_site

from .fakes import FakeBrevo, SmtpSink

pytestmark = [pytest.mark.xdist_group("production"), pytest.mark.django_db]

PASSWORD = "Un mot de passe assez long 42"
LINK = re.compile(r"https?://[^\s]+/compte/mot-de-passe/nouveau/[^\s]+/")

OPENING = """
import datetime
from django.utils import timezone
from allervers.operators.models import Operator
from tests.bookings.factories import AppointmentOpeningFactory
from tests.planning.factories import StopFactory
operator = Operator.objects.get(slug="{slug}")
stop = StopFactory(operator=operator, date=timezone.localdate() + datetime.timedelta(days=3),
                   start_time=datetime.time(9), end_time=datetime.time(12))
AppointmentOpeningFactory(operator=operator, stop=stop)
print(stop.pk)
"""

TASKS = """
import json
from django_tasks_db.models import DBTaskResult
print(json.dumps([
    [row.task_path.rsplit(".", 1)[-1], row.status, len(row.worker_ids)]
    for row in DBTaskResult.objects.order_by("enqueued_at")
]))
"""

HEARTBEATS = """
from allervers.worker.models import WorkerHeartbeat
print(WorkerHeartbeat.objects.count())
"""

BOOK = """
import datetime
from django.db import transaction
from allervers.bookings.models import AppointmentOpening
from allervers.bookings.services.appointments import appointment_book
from allervers.public.booking_forms import AppointmentForm
opening = AppointmentOpening.objects.get(stop_id={stop_id})
form = AppointmentForm({{"slot": f"{{opening.pk}}-0930", "first_name": "Lina",
                        "phone": "{phone}", "email": "{address}", "contact_consent": "on"}},
                       openings={{opening.pk: opening}})
assert form.is_valid(), form.errors
slot_opening, start = form.cleaned_data["slot"]
print(appointment_book(opening=slot_opening, start_time=start, contact=form.contact()).pk)
"""


@pytest.fixture(scope="module")
def installed(database_url, tmp_path_factory):
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
def running(env: dict):
    """gunicorn and the worker under `env`; the client's base port."""
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


def _mail_env(mode: str, smtp: SmtpSink, folder) -> dict:
    if mode == "smtp":
        return {
            "ALLERVERS_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "ALLERVERS_EMAIL_HOST": "127.0.0.1",
            "ALLERVERS_EMAIL_PORT": str(smtp.port),
        }
    return {
        "ALLERVERS_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "ALLERVERS_EMAIL_FILE_PATH": str(folder),
    }


def _received(mode: str, smtp: SmtpSink, folder, address: str) -> list[str]:
    """The bodies of the e-mails that reached `address`, by the SMTP sink or in the files."""
    if mode == "smtp":
        messages = smtp.to(address)
    else:
        messages = []
        for path in sorted(folder.glob("*.log")):
            for chunk in path.read_text().split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk, policy=email.policy.default))
        messages = [message for message in messages if address in (message["To"] or "")]
    return [message.get_body(preferencelist=("plain",)).get_content() for message in messages]


def _code_now(key: bytes) -> str:
    """Her application's code at the real time (the servers' clock; the tests' is travelled)."""
    application = TOTP(key, step=30, digits=6)
    application.time = time_machine.escape_hatch.time.time()
    return f"{application.token():06d}"


def _sms_env(brevo: FakeBrevo) -> dict:
    return {
        "ALLERVERS_SMS_BACKEND": "brevo",
        "ALLERVERS_SMS_BREVO_URL": brevo.url,
        "ALLERVERS_SMS_BREVO_API_KEY": "test-key",
    }


@pytest.mark.parametrize("mode", ["smtp", "file"])
def test_a_new_structures_first_day(installed, smtp, brevo, tmp_path, mode):
    slug = f"ccas-{mode}"
    coordinator = f"coordination@{slug}.example"
    env = {**installed, **_mail_env(mode, smtp, tmp_path), **_sms_env(brevo)}
    with running(env) as (port, env, _processes):
        # The platform creates the structure: the invitation goes through the worker.
        production_site.manage(
            env,
            "operator_create",
            f"--name=CCAS {mode}",
            f"--slug={slug}",
            f"--coordinator-email={coordinator}",
        )
        bodies = production_site.wait_until(
            lambda: _received(mode, smtp, tmp_path, coordinator), what="the invitation"
        )
        link = LINK.search(bodies[0]).group(0)
        path = link.split(f"127.0.0.1:{port}", 1)[1]

        # She chooses her password by the link (Django moves the token into her session).
        browser = production_site.Client(port)
        status, _ = browser.request("GET", path)
        assert status == 302 and "set-password" in browser.location, (status, browser.location)
        form_path = browser.location
        choice = {"new_password1": PASSWORD, "new_password2": PASSWORD}
        status, _ = browser.request("POST", form_path, choice)
        assert status == 302 and "termine" in browser.location, (status, browser.body[-2000:])

        # She logs in, sets up her application (the key the page shows) and reaches her pages.
        status, _ = browser.request(
            "POST", "/compte/connexion/", {"username": coordinator, "password": PASSWORD}
        )
        assert status == 302, browser.body[-2000:]
        status, _ = browser.request("GET", "/compte/double-authentification/activer/")
        assert status == 200, (status, browser.location)
        secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', browser.body).group(1)
        key = base64.b32decode(secret.replace(" ", ""))
        code = _code_now(key)
        status, _ = browser.request(
            "POST", "/compte/double-authentification/activer/", {"code": code}
        )
        errors = re.findall(r'class="errorlist[^>]*>(.*?)</', browser.body, re.S)
        assert status in (200, 302) and not errors, (status, errors, browser.location)
        for page in ("/structure/reglages/", "/structure/etat-du-service/"):
            status, _ = browser.request("GET", page)
            assert status == 200, (page, status, browser.location)
        assert "Aucun message en échec" in browser.body

        # A resident books on the public page: the confirmation by e-mail and by SMS.
        stop_id = production_site.shell(env, OPENING.format(slug=slug))
        resident = production_site.Client(port)
        slot_page = f"/{slug}/rendez-vous/creneau/?passage={stop_id}"
        status, _ = resident.request("GET", slot_page)
        assert status == 200, status
        slots = re.findall(r'name="slot" id="[^"]*" value="([0-9]+-[0-9]{4})"', resident.body)
        assert slots, resident.body[-3000:]
        slot = slots[0]
        booking = {
            "slot": slot,
            "first_name": "Lina",
            "phone": "06 12 34 56 78",
            "email": f"lina@{slug}.example",
            "contact_consent": "on",
        }
        status, _ = resident.request("POST", slot_page, booking)
        assert status == 302, (status, resident.body[-2000:])
        production_site.wait_until(lambda: brevo.to("33612345678"), what="the SMS")
        production_site.wait_until(
            lambda: _received(mode, smtp, tmp_path, f"lina@{slug}.example"), what="the e-mail"
        )
        [sms] = brevo.to("33612345678")
        assert f"CCAS {mode}" in sms["content"] or "bus" in sms["content"].lower()

        tasks = json.loads(production_site.shell(env, TASKS))
        assert {status for _name, status, _tries in tasks} == {"SUCCESSFUL"}, tasks


def test_a_worker_killed_mid_task_finishes_it_once_after_its_restart(
    installed, smtp, brevo, tmp_path
):
    slug = "ccas-crash"
    env = {**installed, **_mail_env("smtp", smtp, tmp_path), **_sms_env(brevo)}
    production_site.manage(
        env,
        "operator_create",
        "--name=CCAS crash",
        f"--slug={slug}",
        f"--coordinator-email=coordination@{slug}.example",
    )
    stop_id = production_site.shell(env, OPENING.format(slug=slug))
    address, number = f"nour@{slug}.example", "33698765432"
    log = tmp_path / "worker.log"
    brevo.hold.set()  # the provider answers only when released: the worker is mid-task
    worker = production_site.start_worker(env, log=log)
    try:
        production_site.wait_until(
            lambda: smtp.to(f"coordination@{slug}.example"), what="the invitation"
        )
        production_site.shell(
            env, BOOK.format(stop_id=stop_id, phone="06 98 76 54 32", address=address)
        )
        production_site.wait_until(lambda: brevo.to(number), what="the SMS request")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
        brevo.release.set()
        tasks = json.loads(production_site.shell(env, TASKS))
        assert ["send_booking_messages", "RUNNING", 1] in tasks, tasks

        worker = production_site.start_worker(env, log=log)  # systemd's Restart=always
        production_site.wait_until(
            lambda: (
                "RUNNING" not in production_site.shell(env, TASKS)
                and "READY" not in production_site.shell(env, TASKS)
            ),
            what="the interrupted task to finish",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=20)
    tasks = json.loads(production_site.shell(env, TASKS))
    assert ["send_booking_messages", "SUCCESSFUL", 2] in tasks, (tasks, log.read_text()[-3000:])
    assert len(brevo.to(number)) == 1
    assert len(smtp.to(address)) == 1
    # The killed worker's heartbeat was found dead; the stopped one removed its own.
    assert production_site.shell(env, HEARTBEATS) == "0"
