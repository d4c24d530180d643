"""Unsubscribing in one step: a message's link, « STOP » by SMS (a signed webhook), the public
page with the number and a code. The number goes at once; only a count stays."""

import hashlib
import hmac
import json
import re

import pytest
from django.urls import reverse

from allervers.alerts.enums import EndReason
from allervers.alerts.links import subscription_code
from allervers.alerts.models import Subscription, UnsubscriptionCount
from tests.alerts.factories import SubscriptionFactory
from tests.planning.factories import SiteFactory

pytestmark = pytest.mark.django_db

E164 = "+33612345678"
WEBHOOK = "/alertes/sms-entrant/"


@pytest.fixture
def subscription(operator):
    return SubscriptionFactory(
        operator=operator, phone=E164, sites=[SiteFactory(operator=operator)]
    )


def counted(reason) -> int:
    row = UnsubscriptionCount.objects.filter(reason=reason).first()
    return row.count if row else 0


def test_the_link_shows_the_sites_and_unsubscribes_in_one_click(client, subscription):
    url = reverse(
        "public:alert_link", kwargs={"subscription_code": subscription_code(subscription)}
    )
    page = client.get(url)
    assert page.status_code == 200 and "Me désinscrire" in page.text
    assert page["Cache-Control"].startswith("max-age=0") or "no-store" in page["Cache-Control"]
    response = client.post(url)
    assert response.status_code == 200 and "Votre numéro est effacé" in response.text
    assert not Subscription.objects.filter(phone=E164).exists()
    assert counted(EndReason.LINK) == 1
    # The link again: refused in French, nothing counted twice.
    again = client.post(url)
    assert again.status_code == 404 and counted(EndReason.LINK) == 1


def test_a_forged_link_is_refused(client, subscription):
    code = subscription_code(subscription)
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    response = client.post(reverse("public:alert_link", kwargs={"subscription_code": forged}))
    assert response.status_code == 404
    assert Subscription.objects.exists()
    assert client.get("/alertes/pas-un-code/").status_code == 404


def signed(body: bytes, secret: str = "secret-de-test") -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_inbound(client, data: dict, signature: str | None = None):
    body = json.dumps(data).encode()
    return client.post(
        WEBHOOK,
        body,
        content_type="application/json",
        headers={"X-Allervers-Signature": signature if signature is not None else signed(body)},
    )


def test_stop_by_sms_unsubscribes_every_subscription_of_the_number(
    client, subscription, other_operator
):
    SubscriptionFactory(
        operator=other_operator, phone=E164, sites=[SiteFactory(operator=other_operator)]
    )
    response = post_inbound(client, {"from": "33612345678", "text": " stop "})
    assert response.status_code == 200 and response.json() == {"desabonnements": 2}
    assert not Subscription.objects.exists()
    assert counted(EndReason.SMS_STOP) == 1  # one per structure and month


def test_another_word_changes_nothing(client, subscription):
    assert post_inbound(client, {"from": E164, "text": "Merci"}).json() == {"desabonnements": 0}
    assert Subscription.objects.exists()


@pytest.mark.parametrize("signature", ["", "0" * 64, "pas-hexa"])
def test_a_forged_webhook_is_refused(client, subscription, signature):
    response = post_inbound(client, {"from": E164, "text": "STOP"}, signature=signature)
    assert response.status_code == 403
    assert Subscription.objects.exists()


def test_a_webhook_without_secret_configured_is_refused(client, subscription, settings):
    settings.ALLERVERS_SMS_INBOUND_SECRET = ""
    assert post_inbound(client, {"from": E164, "text": "STOP"}).status_code == 403


def test_a_webhook_body_that_is_not_json(client, subscription):
    body = b"STOP"
    response = client.post(
        WEBHOOK, body, content_type="text/plain", headers={"X-Allervers-Signature": signed(body)}
    )
    assert response.status_code == 400 and Subscription.objects.exists()


def test_unsubscribe_from_the_public_page_with_the_number_and_a_code(
    client, operator, subscription, fake_provider
):
    url = reverse("public:alert_unsubscribe", kwargs={"operator_slug": operator.slug})
    response = client.post(url, {"phone": "06 12 34 56 78"})
    assert "Si ce numéro est inscrit" in response.text
    code = re.search(r"\b(\d{6})\b", fake_provider.SENT[-1].text)[1]
    wrong = client.post(
        url, {"phone": "06 12 34 56 78", "code": "999999" if code != "999999" else "1"}
    )
    assert wrong.status_code == 400 and Subscription.objects.exists()
    done = client.post(url, {"phone": "06 12 34 56 78", "code": code})
    assert done.status_code == 200 and "Votre numéro est effacé" in done.text
    assert not Subscription.objects.exists() and counted(EndReason.PUBLIC) == 1


def test_an_unknown_number_gets_the_same_answer_and_no_sms(client, operator, fake_provider):
    url = reverse("public:alert_unsubscribe", kwargs={"operator_slug": operator.slug})
    response = client.post(url, {"phone": "06 99 99 99 99"})
    assert response.status_code == 200 and "Si ce numéro est inscrit" in response.text
    assert not fake_provider.SENT
