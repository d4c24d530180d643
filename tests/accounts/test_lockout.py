"""Lockout after repeated failures (django-axes), with the clock under control."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from allervers.core.client_address import client_ip, client_network
from tests.html import text_of

pytestmark = pytest.mark.django_db

RIGHT = "mot-de-passe-test"
LOCKED = "Connexion momentanément bloquée"


def login(client, email, password, ip="127.0.0.1"):
    return client.post(
        reverse("accounts:login"), {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def fail(client, email, times, ip="127.0.0.1"):
    for _ in range(times):
        response = login(client, email, "mauvais-mot-de-passe", ip=ip)
        assert response.status_code in {200, 429}


def test_settings_lock_accounts_and_guard_addresses_against_floods():
    assert settings.AXES_HANDLER == "allervers.accounts.lockout.LockoutHandler"
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME
    assert settings.ALLERVERS_ADDRESS_FAILURE_LIMIT == 100
    assert settings.ALLERVERS_ADDRESS_FAILURE_MINUTES == 15
    assert settings.ALLERVERS_TRUSTED_PROXY_COUNT == 0


def test_four_failures_do_not_lock(client, agent):
    fail(client, agent.email, settings.AXES_FAILURE_LIMIT - 1)
    response = login(client, agent.email, RIGHT)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_the_account_is_locked_from_any_ip_even_with_the_right_password(client, agent):
    # Each failure from its own address: only the account's count can lock.
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, agent.email.upper(), "mauvais", ip=f"10.0.0.{n + 1}")
    response = login(client, agent.email, RIGHT, ip="10.0.1.1")
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert "15 minutes" in text_of(response)
    assert "_auth_user_id" not in client.session


def test_failures_from_one_address_lock_no_other_account(client, agent, coordinator):
    # The bus: every tablet behind one address. One person's typos lock only their account.
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, agent.email, "mauvais", ip="10.0.0.9")
        login(client, f"inconnu{n}@example.org", "mauvais", ip="10.0.0.9")
    assert login(client, agent.email, RIGHT, ip="10.0.0.9").status_code == 429
    response = login(client, coordinator.email, RIGHT, ip="10.0.0.9")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)


def test_a_flood_from_one_address_is_refused_for_a_while(client, agent, settings, clock):
    settings.ALLERVERS_ADDRESS_FAILURE_LIMIT = 12
    for n in range(12):
        login(client, f"inconnu{n}@example.org", "mauvais", ip="10.0.0.9")
    response = login(client, agent.email, RIGHT, ip="10.0.0.9")
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert "_auth_user_id" not in client.session
    # Another address logs in; the flood's refusals are not the account's failures.
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, agent.email, RIGHT, ip="10.0.0.9")
    assert login(client, agent.email, RIGHT, ip="10.0.0.10").status_code == 302
    client.post(reverse("accounts:logout"))
    clock.shift(datetime.timedelta(minutes=settings.ALLERVERS_ADDRESS_FAILURE_MINUTES, seconds=1))
    assert login(client, agent.email, RIGHT, ip="10.0.0.9").status_code == 302


def test_an_ipv6_line_is_one_address_for_the_flood_guard(client, agent, settings):
    settings.ALLERVERS_ADDRESS_FAILURE_LIMIT = 6
    for n in range(6):
        login(client, f"inconnu{n}@example.org", "mauvais", ip=f"2001:db8:1:2::{n + 1:x}")
    assert login(client, agent.email, RIGHT, ip="2001:db8:1:2:ffff::1").status_code == 429
    assert login(client, agent.email, RIGHT, ip="2001:db8:1:3::1").status_code == 302


def test_the_cool_off_lifts_the_lock(client, agent, clock):
    fail(client, agent.email, settings.AXES_FAILURE_LIMIT)
    clock.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    assert login(client, agent.email, RIGHT).status_code == 302


def test_trying_during_the_lockout_extends_it(client, agent, clock):
    fail(client, agent.email, settings.AXES_FAILURE_LIMIT)
    clock.shift(datetime.timedelta(minutes=14))
    assert login(client, agent.email, RIGHT).status_code == 429
    # An attempt during the lockout starts the cool-off again.
    clock.shift(datetime.timedelta(minutes=14))
    assert login(client, agent.email, RIGHT).status_code == 429
    clock.shift(datetime.timedelta(minutes=15, seconds=1))
    response = login(client, agent.email, RIGHT)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def forged(client, email, password, forwarded, ip="203.0.113.5"):
    return client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_a_forged_x_forwarded_for_changes_nothing_without_a_proxy(client, agent, settings):
    # Default settings (no proxy): the header is the client's word, the connection decides.
    settings.ALLERVERS_ADDRESS_FAILURE_LIMIT = 6
    for n in range(6):
        forged(client, f"x{n}@example.org", "mauvais", f"198.51.100.{n}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # The flood guard counted the real address, whatever the header says.
    assert forged(client, agent.email, RIGHT, "198.51.100.200").status_code == 429
    assert forged(client, agent.email, RIGHT, "198.51.100.200", ip="203.0.113.6").status_code == 302


def test_the_account_lock_ignores_a_forged_x_forwarded_for(client, agent):
    for n in range(settings.AXES_FAILURE_LIMIT):
        forged(client, agent.email, "mauvais", f"198.51.100.{n}", ip=f"203.0.113.{n}")
    assert forged(client, agent.email, RIGHT, "198.51.100.77", ip="203.0.113.77").status_code == 429


def test_behind_the_tls_proxy_the_proxys_entry_is_the_client(client, agent, settings):
    # The proxy appends the real client; what the client itself sent before it is not trusted.
    settings.ALLERVERS_TRUSTED_PROXY_COUNT = 1
    settings.ALLERVERS_ADDRESS_FAILURE_LIMIT = 6
    for n in range(6):
        forged(client, f"x{n}@example.org", "mauvais", f"192.0.2.{n}, 203.0.113.7", ip="127.0.0.1")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    assert forged(client, agent.email, RIGHT, "203.0.113.7", ip="127.0.0.1").status_code == 429
    assert forged(client, agent.email, RIGHT, "203.0.113.8", ip="127.0.0.1").status_code == 302


@pytest.mark.parametrize(
    "proxies, remote, forwarded, expected",
    [
        (0, "203.0.113.5", "", "203.0.113.5"),
        (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        (1, "127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        (2, "127.0.0.1", "198.51.100.1, 203.0.113.7, 10.0.0.2", "203.0.113.7"),
        (2, "127.0.0.1", "203.0.113.7", "203.0.113.7"),  # fewer entries than proxies
        (1, "127.0.0.1", "", "127.0.0.1"),  # no header: the connection
        (1, "127.0.0.1", "not-an-address", "127.0.0.1"),  # garbage: the connection
        (0, "::ffff:203.0.113.5", "", "203.0.113.5"),  # IPv4 written as IPv6
        (1, "127.0.0.1", "2001:DB8:0:0::1", "2001:db8::1"),  # one spelling
    ],
)
def test_client_ip(settings, proxies, remote, forwarded, expected):
    settings.ALLERVERS_TRUSTED_PROXY_COUNT = proxies
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.parametrize(
    "remote, network",
    [
        ("203.0.113.5", "203.0.113.5"),
        ("2001:db8:1:2:abcd::9", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
    ],
)
def test_client_network_counts_an_ipv6_64_as_one_address(remote, network):
    assert client_network(RequestFactory().get("/", REMOTE_ADDR=remote)) == network


# The password reset ------------------------------------------------------------------------------


def reset(client, email, ip="127.0.0.1"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def choose_password(client, message, new):
    link = next(line for line in message.body.splitlines() if line.startswith("http"))
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    return client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )


def test_a_locked_account_unlocks_itself_through_the_reset_link(client, agent):
    fail(client, agent.email, settings.AXES_FAILURE_LIMIT, ip="10.0.0.1")
    assert login(client, agent.email, RIGHT, ip="10.0.0.2").status_code == 429
    # The reset answers while locked, with its neutral page, and sends the link.
    response = reset(client, agent.email, ip="10.0.0.2")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    new = "Une-phrase-longue-2026"
    assert choose_password(client, mail.outbox[0], new).status_code == 302
    agent.refresh_from_db()
    assert agent.check_password(new)
    response = login(client, agent.email, new, ip="10.0.0.2")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(agent.pk)


def test_a_stranger_who_keeps_failing_cannot_keep_the_owner_out(client, agent):
    client.post(reverse("accounts:password_reset"), {"email": agent.email})
    for _ in range(3):
        fail(client, agent.email, settings.AXES_FAILURE_LIMIT, ip="10.0.0.66")
    new = "Une-phrase-longue-2026"
    owner = Client()
    choose_password(owner, mail.outbox[0], new)
    assert login(owner, agent.email, new, ip="10.0.0.2").status_code == 302


def test_the_reset_form_is_throttled_per_address(client, agent, clock):
    limit = settings.ALLERVERS_PASSWORD_RESET_LIMIT
    for n in range(limit):
        assert reset(client, f"p{n}@example.org", ip="10.0.0.3").status_code == 302
    response = reset(client, agent.email, ip="10.0.0.3")
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert mail.outbox == []
    # Another address is not throttled; after the cool-off this one is not either.
    assert reset(client, agent.email, ip="10.0.0.4").status_code == 302
    clock.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    assert reset(client, agent.email, ip="10.0.0.3").status_code == 302
    assert len(mail.outbox) == 2


def test_a_mailbox_gets_at_most_three_reset_emails_an_hour(client, agent, clock):
    limit = settings.ALLERVERS_PASSWORD_RESET_PER_EMAIL_LIMIT
    assert limit == 3
    for n in range(limit):
        # From as many client addresses, and however the address is written.
        typed = agent.email.upper() if n % 2 else agent.email
        assert reset(client, typed, ip=f"10.0.1.{n}").status_code == 302
    assert len(mail.outbox) == limit
    # Beyond: the same neutral page, no e-mail, for a known address as for an unknown one.
    for email in (agent.email, "personne@example.org"):
        for n in range(limit + 1):
            response = reset(client, email, ip=f"10.0.2.{n}")
            assert response.status_code == 302
            assert response.url == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == limit
    clock.shift(datetime.timedelta(hours=1, seconds=1))
    assert reset(client, agent.email, ip="10.0.3.1").status_code == 302
    assert len(mail.outbox) == limit + 1


@pytest.mark.parametrize(
    "password, message",
    [
        ("Court-2026", "Ce mot de passe est trop court"),
        ("123456789012345", "Ce mot de passe est entièrement numérique."),
        ("password1234", "Ce mot de passe est trop courant."),
    ],
)
def test_weak_passwords_are_refused(client, agent, password, message):
    client.post(reverse("accounts:password_reset"), {"email": agent.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if line.startswith("http"))
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert response.status_code == 200
    assert message in text_of(response)
    agent.refresh_from_db()
    assert agent.check_password(RIGHT)
