"""« Prévenez-moi » on the production set-up, run for real (issue 28 on issue 22's path).

gunicorn and the task worker on the production settings, the scratch database of the suite's
kind (PostgreSQL when DATABASE_URL names one), Redis as the cache when ALLERVERS_TEST_REDIS_URL
names a database, SMS through the Brevo backend pointed at the fake provider of this process
(`fakes.py`).

A resident subscribes on the public page with plain HTML forms (no JavaScript: POSTs carrying
the CSRF token); the code reaches her phone, she confirms. `manage.py send_alerts`, as the
15-minute timer runs it, queues the day-before alert of tomorrow's stop; the task worker sends
it; run twice it still reaches her once. She answers « STOP »: the provider's signed call to
the inbound webhook ends her subscription and erases her number.

The servers' clock cannot be travelled: the structure's time zone is one of France's where it
is daytime now (alerts never leave between 20:00 and 08:00 there), its reminder hour midnight
(tomorrow's alerts are due at once).
"""

import datetime
import hashlib
import hmac
import http.client
import json
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bench import _production_site as production_site

pytestmark = [pytest.mark.xdist_group("production"), pytest.mark.django_db]

SECRET = "secret-du-webhook"
PHONE, RECIPIENT, E164 = "06 55 44 33 22", "33655443322", "+33655443322"
# France's time zones, from the Pacific to the Pacific: at any hour, it is day in one of them.
ZONES = [
    "Pacific/Tahiti",
    "America/Martinique",
    "America/Cayenne",
    "Europe/Paris",
    "Indian/Mayotte",
    "Indian/Reunion",
    "Indian/Kerguelen",
    "Pacific/Noumea",
    "Pacific/Wallis",
]

STRUCTURE = """
import datetime
from zoneinfo import ZoneInfo
from django.utils import timezone
from tests.operators.factories import OperatorFactory
from tests.planning.factories import SiteFactory, StopFactory
operator = OperatorFactory(name="Marville", slug="{slug}", time_zone="{zone}",
                           reminder_time=datetime.time(0, 0))
site = SiteFactory(operator=operator, name="Place du marché", slug="marche")
SiteFactory(operator=operator, name="La mairie", slug="mairie")
tomorrow = timezone.localdate(timezone=ZoneInfo("{zone}")) + datetime.timedelta(days=1)
StopFactory(operator=operator, site=site, date=tomorrow,
            start_time=datetime.time(14), end_time=datetime.time(17))
print(site.pk)
"""

SUBSCRIPTION = """
import json
from allervers.alerts.models import AlertMessage, Subscription
print(json.dumps({{
    "subscriptions": Subscription.objects.filter(operator__slug="{slug}").count(),
    "with_number": Subscription.objects.filter(phone="{phone}").count(),
    "alerts": sorted(AlertMessage.objects.filter(operator__slug="{slug}")
                     .values_list("kind", "status")),
}}))
"""

TASKS = """
from django_tasks_db.models import DBTaskResult
print(",".join(sorted(set(DBTaskResult.objects.values_list("status", flat=True)))))
"""


def _daytime_zone() -> str:
    """A French time zone where it is between 09:00 and 18:00 now (the servers' real time)."""
    now = time_machine.escape_hatch.datetime.datetime.now(datetime.UTC)
    return next(z for z in ZONES if 9 <= now.astimezone(ZoneInfo(z)).hour < 18)


def _tasks_done(env: dict) -> bool:
    return production_site.shell(env, TASKS) in ("SUCCESSFUL", "")


def _state(env: dict, slug: str) -> dict:
    return json.loads(production_site.shell(env, SUBSCRIPTION.format(slug=slug, phone=E164)))


def _inbound(port: int, body: bytes, signature: str) -> tuple[int, dict]:
    """The provider forwarding a reply to the inbound webhook (behind the TLS proxy)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Host": "127.0.0.1",
        "X-Forwarded-Proto": "https",
        "Content-Type": "application/json",
        "X-Allervers-Signature": signature,
    }
    connection.request("POST", "/alertes/sms-entrant/", body=body, headers=headers)
    response = connection.getresponse()
    answer = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, answer


def test_a_resident_subscribes_is_told_the_day_before_once_and_stops(installed, brevo, running):
    slug, zone = "marville", _daytime_zone()
    env = {**installed, **brevo.env(), "ALLERVERS_SMS_INBOUND_SECRET": SECRET}
    site_id = production_site.shell(env, STRUCTURE.format(slug=slug, zone=zone))
    with running(env) as (port, env, _processes):
        # She subscribes to the market place on the public page (plain forms, no JavaScript).
        resident = production_site.Client(port)
        status, _ = resident.request("GET", f"/{slug}/alertes/?lieu=marche")
        assert status == 200, (status, resident.location)
        assert f'value="{site_id}"' in resident.body and "csrfmiddlewaretoken" in resident.body
        asked = {"phone": PHONE, "email": "", "sites": [site_id], "consent": "on"}
        status, _ = resident.request("POST", f"/{slug}/alertes/", asked)
        assert status == 302 and "/alertes/confirmer/" in resident.location, (
            status,
            resident.body[-2000:],
        )
        confirm_page = resident.location
        [code_sms] = production_site.wait_until(lambda: brevo.to(RECIPIENT), what="the code")
        assert "Votre code pour les alertes du bus de Marville" in code_sms["content"]
        code = re.search(r"\b(\d{6})\b", code_sms["content"]).group(1)

        # She types the code: confirmed.
        status, _ = resident.request("GET", confirm_page)
        assert status == 200, status
        status, _ = resident.request("POST", confirm_page, {"code": code})
        assert status == 302 and "/alertes/" in resident.location, resident.body[-2000:]
        status, _ = resident.request("GET", resident.location)
        assert status == 200 and "Place du marché" in resident.body
        assert "C&#x27;est confirmé" in resident.body or "C'est confirmé" in resident.body

        # The 15-minute timer runs `send_alerts` twice before the worker sent anything.
        first = production_site.manage(env, "send_alerts")
        second = production_site.manage(env, "send_alerts")
        assert "mises en file : 1 ;" in first and "envoi lancé : oui" in first, first
        assert "mises en file : 0 ;" in second, second
        production_site.wait_until(lambda: len(brevo.to(RECIPIENT)) >= 2, what="the alert")
        production_site.wait_until(lambda: _tasks_done(env), what="the sending tasks")
        third = production_site.manage(env, "send_alerts")  # and once more, after it left
        assert "mises en file : 0 ;" in third, third
        production_site.wait_until(lambda: _tasks_done(env), what="the sending tasks")
        sent = [sms["content"] for sms in brevo.to(RECIPIENT)][1:]
        assert len(sent) == 1, sent
        assert sent[0].startswith("Le bus de Marville sera demain"), sent
        assert "14h-17h" in sent[0] and "Place du march" in sent[0], sent
        assert "/alertes/" in sent[0]  # her link: the sites' pages and unsubscription
        assert _state(env, slug)["alerts"] == [["day_before", "sent"]]

        # « STOP »: a forged call changes nothing; the provider's signed one ends it.
        body = json.dumps({"from": E164, "text": "STOP"}).encode()
        status, answer = _inbound(port, body, "0" * 64)
        assert status == 403, (status, answer)
        assert _state(env, slug)["with_number"] == 1
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        status, answer = _inbound(port, body, signature)
        assert (status, answer) == (200, {"desabonnements": 1})
        state = _state(env, slug)
        assert state["with_number"] == 0 and state["subscriptions"] == 0, state
        # Nothing more reaches her: tomorrow's alerts are queued for nobody.
        assert "mises en file : 0 ;" in production_site.manage(env, "send_alerts")
        production_site.wait_until(lambda: _tasks_done(env), what="the sending tasks")
        assert len(brevo.to(RECIPIENT)) == 2
