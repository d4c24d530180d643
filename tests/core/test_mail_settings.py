"""Any Django mail backend works as named: only the SMTP backend gets the SMTP options (issue 22:
the console backend refused them and every e-mail failed)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
SEND = """
import django, json
django.setup()
from django.core.mail import EmailMessage, mailers
sent = mailers.default.send_messages([EmailMessage("Objet", "Corps", to=["a@example.org"])])
from django.conf import settings
print(json.dumps({"sent": sent, "options": settings.MAILERS["default"]["OPTIONS"]}))
"""


def _send_under_production_settings(backend: str, tmp_path, **extra) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "ALLERVERS_SECRET_KEY": "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "ALLERVERS_EMAIL_BACKEND": backend,
        **extra,
    }
    result = subprocess.run(
        [sys.executable, "-c", SEND], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "backend",
    [
        "django.core.mail.backends.console.EmailBackend",
        "django.core.mail.backends.locmem.EmailBackend",
    ],
)
def test_a_backend_other_than_smtp_sends_without_the_smtp_options(backend, tmp_path):
    assert _send_under_production_settings(backend, tmp_path) == {"sent": 1, "options": {}}


def test_the_file_backend_writes_in_its_directory(tmp_path):
    outcome = _send_under_production_settings(
        "django.core.mail.backends.filebased.EmailBackend",
        tmp_path,
        ALLERVERS_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    assert outcome["sent"] == 1
    [written] = (tmp_path / "mail").iterdir()
    assert "Subject: Objet" in written.read_text()


def test_the_smtp_backend_keeps_its_server_options(tmp_path):
    import importlib

    base = importlib.import_module("config.settings.base")
    assert base.MAILERS["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert {"host", "port", "username", "password", "use_tls", "use_ssl", "timeout"} == set(
        base.MAILERS["default"]["OPTIONS"]
    )
