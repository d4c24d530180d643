"""Refusals are logged on one line; server errors keep their traceback and reach the admins."""

import logging

import pytest
from django.conf import settings
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory, override_settings
from django.urls import reverse

from allervers.core.roles import Role

pytestmark = pytest.mark.django_db


def _records(caplog):
    return [r for r in caplog.records if r.name == "django.request"]


def test_a_403_is_one_line_without_traceback(client, operator, make_member, caplog):
    client.force_login(make_member(operator, Role.VIEWER))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("reception:today"))
    assert response.status_code == 403
    (record,) = _records(caplog)
    assert record.status_code == 403
    assert record.exc_info is None
    assert "\n" not in caplog.text.strip()


def test_a_404_is_one_line(client, coordinator, caplog):
    client.force_login(coordinator)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("planning:stop_detail", kwargs={"stop_id": 999999}))
    assert response.status_code == 404
    (record,) = _records(caplog)
    assert record.exc_info is None


def _log_server_error():
    request = RequestFactory().get("/boom")
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            "/boom",
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )


@override_settings(ADMINS=["technique@ccas.example"])
def test_a_server_error_keeps_its_traceback_and_is_mailed_to_the_admins(caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        _log_server_error()
    (record,) = _records(caplog)
    assert record.exc_info is not None
    (message,) = mail.outbox
    assert message.to == ["technique@ccas.example"]
    assert "ZeroDivisionError" in message.body


def test_a_refusal_is_not_mailed(caplog):
    request = RequestFactory().get("/refused")
    with override_settings(ADMINS=["technique@ccas.example"]):
        try:
            raise PermissionDenied
        except PermissionDenied:
            logging.getLogger("django.request").warning(
                "Forbidden", exc_info=True, extra={"status_code": 403, "request": request}
            )
    assert mail.outbox == []


def test_dropped_connections_are_checked_before_use():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_error_tracking_is_optional_and_sends_no_personal_data():
    import json
    import os
    import subprocess
    import sys

    probe = (
        "import json, django, sentry_sdk; django.setup(); o = sentry_sdk.get_client().options; "
        "print(json.dumps([o['dsn'], o['send_default_pii'], o['max_request_body_size'], "
        "o['include_local_variables']]))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "ALLERVERS_SECRET_KEY": "x" * 60,
        "ALLERVERS_SENTRY_DSN": "https://public@errors.example.invalid/1",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    dsn, pii, bodies, local_variables = json.loads(result.stdout.strip().splitlines()[-1])
    assert dsn == "https://public@errors.example.invalid/1"
    assert (pii, bodies, local_variables) == (False, "never", False)
    assert settings.SENTRY_DSN == ""  # off unless the variable is set
