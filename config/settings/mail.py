"""The mail settings (`MAILERS`, `ANYMAIL`) made from the environment, by one function that the
tests call with any environment (tests/operators/test_mail_settings.py).

Each Django mail backend takes its own options and refuses any other (`InvalidMailer: Unknown
options`): the SMTP options go to the SMTP backend only, the file backend gets its directory,
console and locmem get nothing, a django-anymail provider reads its `ANYMAIL` settings (made
from the `ALLERVERS_ANYMAIL_*` variables). Any backend may also be given options as a JSON object
in `ALLERVERS_EMAIL_OPTIONS`. Bad values: `ImproperlyConfigured` with a French message that names
the variable, so the process does not start with a mail setting that would fail every message.
"""

import json
import re
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# Short names for Django's own backends; any other backend is named by its dotted path.
SHORT_NAMES = {
    "smtp": SMTP_BACKEND,
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": FILE_BACKEND,
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
}
DOTTED_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
ANYMAIL_PREFIX = "ALLERVERS_ANYMAIL_"
TRUE = {"1", "true", "yes", "on"}


def _flag(environ: Mapping[str, str], name: str) -> bool:
    return environ.get(name, "0").strip().lower() in TRUE


def _integer(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, str(default)).strip()
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} doit être un nombre entier (reçu : « {value} »)."
        ) from None


def mail_backend(environ: Mapping[str, str]) -> str:
    """The dotted path of the backend `ALLERVERS_EMAIL_BACKEND` names (SMTP by default)."""
    named = environ.get("ALLERVERS_EMAIL_BACKEND", "").strip() or SMTP_BACKEND
    backend = SHORT_NAMES.get(named.lower(), named)
    if not DOTTED_PATH.match(backend):
        raise ImproperlyConfigured(
            f"ALLERVERS_EMAIL_BACKEND : « {named} » n'est pas un moteur d'envoi de courriels. "
            f"Indiquez {', '.join(SHORT_NAMES)} ou le chemin d'une classe, par exemple "
            "anymail.backends.brevo.EmailBackend."
        )
    return backend


def mailers_from_env(environ: Mapping[str, str]) -> dict:
    """`MAILERS`: the default mailer with the options of its backend only."""
    backend = mail_backend(environ)
    if backend == SMTP_BACKEND:
        options = {
            "host": environ.get("ALLERVERS_EMAIL_HOST", "localhost"),
            "port": _integer(environ, "ALLERVERS_EMAIL_PORT", 25),
            "username": environ.get("ALLERVERS_EMAIL_HOST_USER", ""),
            "password": environ.get("ALLERVERS_EMAIL_HOST_PASSWORD", ""),
            "use_tls": _flag(environ, "ALLERVERS_EMAIL_USE_TLS"),
            "use_ssl": _flag(environ, "ALLERVERS_EMAIL_USE_SSL"),
            "timeout": _integer(environ, "ALLERVERS_EMAIL_TIMEOUT", 20),
        }
        if options["use_tls"] and options["use_ssl"]:
            raise ImproperlyConfigured(
                "ALLERVERS_EMAIL_USE_TLS et ALLERVERS_EMAIL_USE_SSL s'excluent : "
                "choisissez l'un des deux (STARTTLS sur le port 587, TLS direct sur le 465)."
            )
    elif backend == FILE_BACKEND:
        path = environ.get("ALLERVERS_EMAIL_FILE_PATH", "").strip()
        if not path:
            raise ImproperlyConfigured(
                "ALLERVERS_EMAIL_FILE_PATH : indiquez le dossier où écrire les courriels "
                "(le moteur « file » en a besoin)."
            )
        options = {"file_path": path}
    else:
        options = {}
    options.update(_json_options(environ))
    return {"default": {"BACKEND": backend, "OPTIONS": options}}


def _json_options(environ: Mapping[str, str]) -> dict:
    text = environ.get("ALLERVERS_EMAIL_OPTIONS", "").strip()
    if not text:
        return {}
    try:
        options = json.loads(text)
    except ValueError:
        options = None
    if not isinstance(options, dict):
        raise ImproperlyConfigured(
            'ALLERVERS_EMAIL_OPTIONS doit être un objet JSON, par exemple {"timeout": 10}.'
        )
    return options


def anymail_from_env(environ: Mapping[str, str]) -> dict:
    """`ANYMAIL`: every `ALLERVERS_ANYMAIL_<NAME>` variable as `<NAME>` (for example
    `ALLERVERS_ANYMAIL_BREVO_API_KEY` → `BREVO_API_KEY`)."""
    return {
        name.removeprefix(ANYMAIL_PREFIX): value
        for name, value in sorted(environ.items())
        if name.startswith(ANYMAIL_PREFIX) and len(name) > len(ANYMAIL_PREFIX)
    }
