"""Subscribing online without JavaScript: the sites, a French mobile or an e-mail, the consent,
a code (double opt-in); every kind of bad input answered in French, nothing kept or sent."""

import datetime
import re

import pytest
from django.core import mail
from django.urls import reverse

from allervers.alerts import services
from allervers.alerts.links import subscription_code
from allervers.alerts.models import Subscription, SubscriptionSite
from tests.alerts.factories import SubscriptionFactory
from tests.planning.factories import SiteFactory

pytestmark = pytest.mark.django_db

MOBILE = "06 12 34 56 78"
E164 = "+33612345678"


@pytest.fixture
def sites(operator):
    return [
        SiteFactory(operator=operator, name="École Jules Ferry", slug="ecole-jules-ferry"),
        SiteFactory(operator=operator, name="Place du Regain", slug="place-du-regain"),
    ]


def url(operator, name="alert_subscribe", **kwargs):
    return reverse(f"public:{name}", kwargs={"operator_slug": operator.slug, **kwargs})


def subscribe(client, operator, sites, **fields):
    data = {"phone": MOBILE, "sites": [site.pk for site in sites], "consent": "on", **fields}
    return client.post(url(operator), data)


def last_code(fake_provider) -> str:
    return re.search(r"\b(\d{6})\b", fake_provider.SENT[-1].text)[1]


def test_the_public_page_and_each_site_page_link_to_the_form(client, operator, sites):
    assert url(operator) in client.get(reverse("public:operator", args=[operator.slug])).text
    page = client.get(reverse("public:site", args=[operator.slug, sites[0].slug])).text
    assert f"{url(operator)}?lieu=ecole-jules-ferry" in page


def test_the_form_ticks_the_site_of_the_address(client, operator, sites):
    page = client.get(url(operator) + "?lieu=ecole-jules-ferry").text
    assert re.search(rf'value="{sites[0].pk}"[^>]*checked', page)
    assert not re.search(rf'value="{sites[1].pk}"[^>]*checked', page)
    assert "<legend>Les lieux</legend>" in page


def test_subscribe_to_two_sites_and_confirm_with_the_code(client, operator, sites, fake_provider):
    response = subscribe(client, operator, sites)
    assert response.status_code == 302
    pending = Subscription.objects.get()
    assert pending.confirmed_at is None and pending.phone == E164
    assert pending.code_digest and last_code(fake_provider) not in pending.code_digest
    assert fake_provider.SENT[-1].to == E164
    response = client.post(response.url, {"code": last_code(fake_provider)})
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is not None and subscription.code_digest == ""
    assert set(SubscriptionSite.objects.values_list("site", flat=True)) == {s.pk for s in sites}
    page = client.get(response.url).text
    assert "C&#x27;est confirmé" in page and "École Jules Ferry" in page


def test_a_wrong_code_is_refused_and_counted(client, operator, sites, fake_provider):
    confirm = subscribe(client, operator, sites).url
    response = client.post(
        confirm, {"code": "000000" if last_code(fake_provider) != "000000" else "1"}
    )
    assert response.status_code == 400
    assert "Ce code n&#x27;est pas le bon" in response.text
    assert Subscription.objects.get().confirmed_at is None
    assert Subscription.objects.get().code_attempts == 1


def test_five_wrong_codes_lock_the_code(client, operator, sites, fake_provider):
    confirm = subscribe(client, operator, sites).url
    code = last_code(fake_provider)
    wrong = "111111" if code != "111111" else "222222"
    for _ in range(5):
        client.post(confirm, {"code": wrong})
    response = client.post(confirm, {"code": code})
    assert "Trop d&#x27;essais" in response.text
    assert Subscription.objects.get().confirmed_at is None


def test_a_replayed_code_is_refused(client, operator, sites, fake_provider):
    confirm = subscribe(client, operator, sites).url
    code = last_code(fake_provider)
    client.post(confirm, {"code": code})
    response = client.post(confirm, {"code": code})
    assert response.status_code == 400
    assert "déjà servi" in response.text


def test_an_expired_code_is_refused(client, operator, sites, fake_provider, clock):
    confirm = subscribe(client, operator, sites).url
    clock.shift(datetime.timedelta(minutes=31))
    response = client.post(confirm, {"code": last_code(fake_provider)})
    assert "expiré" in response.text
    assert Subscription.objects.get().confirmed_at is None


def test_a_new_code_can_be_asked(client, operator, sites, fake_provider):
    confirm = subscribe(client, operator, sites).url
    first = last_code(fake_provider)
    client.post(confirm, {"action": "resend"})
    assert len(fake_provider.SENT) == 2
    second = last_code(fake_provider)
    if first != second:
        assert client.post(confirm, {"code": first}).status_code == 400
    assert client.post(confirm, {"code": second}).status_code == 302


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("12", "n&#x27;est pas valide"),
        ("03 21 00 00 00", "ne peut pas recevoir de SMS"),
        ("+44 7911 123456", "seulement aux numéros français"),
        ("", "Donnez un numéro de portable ou une adresse électronique"),
    ],
)
def test_bad_numbers_are_refused_in_french(client, operator, sites, fake_provider, phone, message):
    response = subscribe(client, operator, sites, phone=phone)
    assert response.status_code == 400
    assert message in response.text
    assert not Subscription.objects.exists() and not fake_provider.SENT


def test_no_site_and_no_consent_are_refused(client, operator, sites, fake_provider):
    response = client.post(url(operator), {"phone": MOBILE})
    assert response.status_code == 400
    assert "Choisissez au moins un lieu" in response.text
    assert "Cochez la case" in response.text
    assert 'class="error-summary"' in response.text


def test_another_operators_site_is_refused(client, operator, other_operator, fake_provider):
    theirs = SiteFactory(operator=other_operator)
    response = subscribe(client, operator, [theirs])
    assert response.status_code == 400
    assert not Subscription.objects.exists()


def test_subscribe_by_email_with_the_code(client, operator, sites, fake_provider):
    response = subscribe(client, operator, sites[:1], phone="", email="Ana@Exemple.fr")
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body)[1]
    assert mail.outbox[-1].to == ["ana@exemple.fr"] and not fake_provider.SENT
    assert client.post(response.url, {"code": code}).status_code == 302
    assert Subscription.objects.get().email == "ana@exemple.fr"


def test_the_same_number_again_adds_its_sites(client, operator, sites, fake_provider):
    SubscriptionFactory(operator=operator, phone=E164, sites=sites[:1])
    confirm = subscribe(client, operator, sites[1:]).url
    client.post(confirm, {"code": last_code(fake_provider)})
    subscription = Subscription.objects.get()
    assert subscription.sites.count() == 2


def test_the_limit_per_number(client, operator, sites, settings, fake_provider):
    settings.ALLERVERS_ALERT_LIMIT_PER_CONTACT = 2
    for _ in range(2):
        assert subscribe(client, operator, sites).status_code == 302
    response = subscribe(client, operator, sites)
    assert response.status_code == 429
    assert "Rien n'a été enregistré" in response.text
    assert len(fake_provider.SENT) == 2 and Subscription.objects.count() == 2


def test_the_limit_per_address(client, operator, sites, settings, fake_provider):
    settings.ALLERVERS_ALERT_LIMIT_PER_IP = 2
    for n in range(2):
        subscribe(client, operator, sites, phone=f"06 12 34 56 7{n}")
    assert subscribe(client, operator, sites, phone="06 99 99 99 99").status_code == 429
    assert len(fake_provider.SENT) == 2


def test_a_provider_outage_is_told(client, operator, sites, fake_provider):
    fake_provider.OUTAGE.set()
    response = subscribe(client, operator, sites)
    assert response.status_code == 400
    assert "n&#x27;a pas pu partir" in response.text
    assert not Subscription.objects.exists()


def test_a_forged_confirmation_link_is_a_french_404(client, operator, sites):
    subscription, _ = services.subscription_request(operator=operator, phone=E164, sites=sites)
    forged = subscription_code(subscription)[:-1] + "x"
    response = client.get(url(operator, "alert_confirm", subscription_code=forged))
    assert response.status_code == 404
    assert "Ce lien n&#x27;est pas valable" in response.text
