"""Lockout after repeated failures (django-axes), with the clock under control."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

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


def test_settings_lock_per_account_and_per_ip_in_the_database():
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert datetime.timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


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


def test_the_ip_is_locked_for_every_account(client, agent, coordinator):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, f"inconnu{n}@example.org", "mauvais", ip="10.0.0.9")
    response = login(client, coordinator.email, RIGHT, ip="10.0.0.9")
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    # Another address still logs in.
    assert login(client, agent.email, RIGHT, ip="10.0.0.10").status_code == 302


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


def test_the_client_ip_is_read_behind_the_tls_proxy(client, agent):
    # The proxy appends the real client; what the client itself sent before it is not trusted.
    def through_proxy(email, password, forwarded):
        return client.post(
            reverse("accounts:login"),
            {"username": email, "password": password},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded,
        )

    for n in range(settings.AXES_FAILURE_LIMIT):
        through_proxy(f"x{n}@example.org", "mauvais", f"192.0.2.{n}, 203.0.113.7")
    assert through_proxy(agent.email, RIGHT, "203.0.113.7").status_code == 429
    assert through_proxy(agent.email, RIGHT, "203.0.113.8").status_code == 302


def test_a_locked_account_cannot_ask_for_a_reset_link(client, agent):
    fail(client, agent.email, settings.AXES_FAILURE_LIMIT, ip="10.0.0.1")
    response = client.post(
        reverse("accounts:password_reset"), {"email": agent.email}, REMOTE_ADDR="10.0.0.2"
    )
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert mail.outbox == []


def test_a_new_password_does_not_lift_the_lock(client, agent):
    client.post(reverse("accounts:password_reset"), {"email": agent.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if line.startswith("http"))
    fail(client, agent.email, settings.AXES_FAILURE_LIMIT, ip="10.0.0.1")
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    new = "Une-phrase-longue-2026"
    client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    agent.refresh_from_db()
    assert agent.check_password(new)
    assert login(client, agent.email, new, ip="10.0.0.2").status_code == 429


def test_the_reset_form_is_throttled_per_ip(client, agent, clock):
    limit = settings.ALLERVERS_PASSWORD_RESET_LIMIT
    for n in range(limit):
        response = client.post(
            reverse("accounts:password_reset"),
            {"email": f"p{n}@example.org"},
            REMOTE_ADDR="10.0.0.3",
        )
        assert response.status_code == 302
    response = client.post(
        reverse("accounts:password_reset"), {"email": agent.email}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    assert LOCKED in text_of(response)
    assert mail.outbox == []
    # Another address is not throttled; after the cool-off this one is not either.
    assert (
        client.post(
            reverse("accounts:password_reset"), {"email": agent.email}, REMOTE_ADDR="10.0.0.4"
        ).status_code
        == 302
    )
    clock.shift(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    response = client.post(
        reverse("accounts:password_reset"), {"email": agent.email}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 2


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
