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
import email
import email.policy
import html
import json
import re
import signal

import pytest
import time_machine
from django_otp.oath import TOTP

from bench import _production_site as production_site

from .fakes import SmtpSink

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

# She waited a few minutes and nothing came: her invitation was asked for 3 minutes ago (the
# servers' clock cannot be travelled; « Renvoyer l'invitation » within 2 minutes is one click).
WAITED = """
import datetime
from django.utils import timezone
from allervers.operators.models import Membership
membership = Membership.objects.get(user__email="{address}")
Membership.objects.filter(pk=membership.pk).update(
    invitation_requested_at=timezone.now() - datetime.timedelta(minutes=3))
print(membership.pk)
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


@pytest.mark.parametrize("mode", ["smtp", "file"])
def test_a_new_structures_first_day(installed, smtp, brevo, running, tmp_path, mode):
    slug = f"ccas-{mode}"
    coordinator = f"coordination@{slug}.example"
    env = {**installed, **_mail_env(mode, smtp, tmp_path), **brevo.env()}
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

        # She adds an agent; his invitation is lost: she sends it again from the team page.
        _invitation_resent(browser, mode, smtp, tmp_path, env, port, slug)

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


def _messages(body: str) -> list[str]:
    """The messages the page shows (its « messages » list), unescaped."""
    shown = re.search(r'<ul class="messages">(.*?)</ul>', body, re.S)
    items = re.findall(r"<li[^>]*>(.*?)</li>", shown.group(1), re.S) if shown else []
    return [html.unescape(re.sub(r"\s+", " ", item)).strip() for item in items]


def _resend_button(browser: production_site.Client) -> str:
    """The action of the team page's only « Renvoyer l'invitation » form."""
    status, _ = browser.request("GET", "/structure/equipe/")
    assert status == 200, (status, browser.location)
    actions = re.findall(
        r'<form method="post" action="([^"]+/invitation/)">\s*<input[^>]*csrfmiddlewaretoken'
        r"[^>]*>\s*<button[^>]*>Renvoyer l'invitation",
        browser.body,
    )
    assert len(actions) == 1, browser.body[-3000:]
    return actions[0]


def _invitation_resent(browser, mode, smtp, folder, env, port, slug) -> None:
    """« Renvoyer l'invitation » clicked by the coordinator: a second e-mail through the worker
    with a fresh link. Both links work until one is used; then the other says it has served."""
    agent = f"agent@{slug}.example"
    status, _ = browser.request("GET", "/structure/equipe/ajouter/")
    assert status == 200, (status, browser.location)
    member = {"first_name": "Sami", "last_name": "Agent", "email": agent, "role": "agent"}
    status, _ = browser.request("POST", "/structure/equipe/ajouter/", member)
    assert status == 302, (status, browser.body[-2000:])
    first = production_site.wait_until(
        lambda: _received(mode, smtp, folder, agent), what="the agent's invitation"
    )
    first_link = LINK.search(first[0]).group(0).split(f"127.0.0.1:{port}", 1)[1]

    # A click at once is the same invitation (a double click sends one).
    action = _resend_button(browser)
    status, _ = browser.request("POST", action, {})
    assert status == 302 and browser.location.endswith(action.rsplit("invitation/", 1)[0])
    browser.request("GET", browser.location)
    assert "L'invitation de Sami Agent vient déjà d'être renvoyée." in _messages(browser.body)

    # Minutes later, nothing came: the click sends it again.
    production_site.shell(env, WAITED.format(address=agent))
    status, _ = browser.request("POST", _resend_button(browser), {})
    assert status == 302, (status, browser.body[-2000:])
    browser.request("GET", browser.location)
    assert "L'invitation de Sami Agent est renvoyée." in _messages(browser.body)
    bodies = production_site.wait_until(
        lambda: (lambda found: found if len(found) >= 2 else None)(
            _received(mode, smtp, folder, agent)
        ),
        what="the second invitation",
    )
    second_link = LINK.search(bodies[1]).group(0).split(f"127.0.0.1:{port}", 1)[1]
    assert second_link != first_link

    # The first link still works (the same account, no password yet, not expired)...
    early = production_site.Client(port)
    status, _ = early.request("GET", first_link)
    assert status == 302 and "set-password" in early.location, (status, early.location)
    # ... he chooses his password by the second one ...
    agent_browser = production_site.Client(port)
    status, _ = agent_browser.request("GET", second_link)
    assert status == 302 and "set-password" in agent_browser.location, agent_browser.location
    choice = {"new_password1": PASSWORD, "new_password2": PASSWORD}
    status, _ = agent_browser.request("POST", agent_browser.location, choice)
    assert status == 302 and "termine" in agent_browser.location, agent_browser.body[-2000:]
    # ... and then the first one says it has served (his password changed its token).
    late = production_site.Client(port)
    status, _ = late.request("GET", first_link)
    assert status == 200 and "Ce lien n'est plus valable" in late.body, (status, late.location)
    status, _ = agent_browser.request(
        "POST", "/compte/connexion/", {"username": agent, "password": PASSWORD}
    )
    assert status == 302, agent_browser.body[-2000:]
    # Exactly two invitations reached him: the first click sent none.
    assert len(_received(mode, smtp, folder, agent)) == 2


def test_a_worker_killed_mid_task_finishes_it_once_after_its_restart(
    installed, smtp, brevo, tmp_path
):
    slug = "ccas-crash"
    env = {**installed, **_mail_env("smtp", smtp, tmp_path), **brevo.env()}
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
