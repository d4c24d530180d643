"""`check --deploy` warns when the proxy settings disagree, or when the flood guard of an address
would lock a team before an account (allervers/accounts/checks.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from allervers.accounts.checks import proxy_settings_check

ROOT = Path(__file__).resolve().parent.parent.parent
PROXY_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def ids() -> list[str]:
    return [warning.id for warning in proxy_settings_check()]


@pytest.mark.parametrize("proxies, header", [(0, None), (1, PROXY_HEADER), (2, PROXY_HEADER)])
def test_agreeing_settings_raise_nothing(settings, proxies, header):
    settings.ALLERVERS_TRUSTED_PROXY_COUNT = proxies
    settings.SECURE_PROXY_SSL_HEADER = header
    assert ids() == []


def test_a_proxy_whose_scheme_is_not_read(settings):
    settings.ALLERVERS_TRUSTED_PROXY_COUNT = 1
    settings.SECURE_PROXY_SSL_HEADER = None
    assert ids() == ["accounts.W001"]


@pytest.mark.parametrize(
    "believed",
    [
        {"SECURE_PROXY_SSL_HEADER": PROXY_HEADER},
        {"USE_X_FORWARDED_HOST": True},
        {"USE_X_FORWARDED_PORT": True},
    ],
)
def test_proxy_headers_believed_without_a_proxy(settings, believed):
    settings.ALLERVERS_TRUSTED_PROXY_COUNT = 0
    settings.SECURE_PROXY_SSL_HEADER = None
    for name, value in believed.items():
        setattr(settings, name, value)
    assert ids() == ["accounts.W002"]


def test_a_flood_guard_not_above_the_accounts_limit(settings):
    settings.ALLERVERS_ADDRESS_FAILURE_LIMIT = settings.AXES_FAILURE_LIMIT
    assert ids() == ["accounts.W003"]


def test_the_check_runs_with_check_deploy(settings):
    settings.ALLERVERS_TRUSTED_PROXY_COUNT = 0
    settings.SECURE_PROXY_SSL_HEADER = PROXY_HEADER
    with pytest.raises(SystemCheckError, match=r"accounts\.W002"):
        call_command("check", "--deploy", "--fail-level", "WARNING", "--tag", "security")


@pytest.mark.parametrize("proxies, header", [("", "None"), ("0", "None"), ("1", str(PROXY_HEADER))])
def test_the_production_settings_read_the_proxy_header_only_behind_a_proxy(proxies, header):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("ALLERVERS_", "DJANGO_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        ALLERVERS_SECRET_KEY="x" * 60,
        ALLERVERS_ALLOWED_HOSTS="allervers.example.org",
    )
    if proxies:
        env["ALLERVERS_TRUSTED_PROXY_COUNT"] = proxies
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.SECURE_PROXY_SSL_HEADER, settings.ALLERVERS_TRUSTED_PROXY_COUNT)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[0] == f"{header} {proxies or '0'}"


def test_a_negative_proxy_count_stops_the_settings():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.base",
        ALLERVERS_SECRET_KEY="x" * 60,
        ALLERVERS_TRUSTED_PROXY_COUNT="-1",
    )
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ALLERVERS_TRUSTED_PROXY_COUNT must be 0 (no proxy) or more." in result.stderr
