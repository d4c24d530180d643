"""The mail backend seen from the application: whether it can be built, and why a message failed.

The settings (`MAILERS`, `ANYMAIL`) are made in config/settings/mail.py. A system check
(`allervers.mail.E001`, registered by the operators app) builds the default mailer at start, so
that a wrong backend name or a provider without its key is reported by `manage.py check` (and
every command that runs the checks) instead of failing every message later.
"""

import smtplib

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import InvalidMailer, mailers

REASON_LENGTH = 200


def mailer_problem() -> str:
    """Empty when the default mailer can be built; else what is wrong, in French."""
    try:
        mailers.default  # noqa: B018 - building it is the check
    except Exception as error:  # any backend may raise its own configuration error
        return f"moteur d'envoi des courriels mal configuré ({type(error).__name__} : {error})"
    return ""


def mail_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    problem = mailer_problem()
    if not problem:
        return []
    return [
        checks.Error(
            f"Les courriels ne pourront pas partir : {problem}.",
            hint="Voir les variables ALLERVERS_EMAIL_* et ALLERVERS_ANYMAIL_* du README.",
            id="allervers.mail.E001",
        )
    ]


def send_failure_reason(error: BaseException) -> str:
    """Why a message could not be sent, in French, for the person who caused it (bounded)."""
    kind = type(error).__name__
    if isinstance(error, InvalidMailer | ImproperlyConfigured | ImportError):
        reason = "l'envoi des courriels est mal configuré sur la plateforme"
    elif kind in {"AnymailRecipientsRefused", "AnymailInvalidAddress"}:
        reason = "l'adresse a été refusée par le fournisseur d'envoi"
    elif kind.startswith("Anymail"):  # before OSError: its API errors are requests' errors
        reason = "le fournisseur d'envoi des courriels a refusé le message"
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        reason = "l'adresse a été refusée par le serveur de courriel"
    elif isinstance(error, smtplib.SMTPException | OSError):
        reason = "le serveur de courriel est injoignable ou a refusé le message"
    else:
        reason = "erreur inattendue pendant l'envoi"
    return f"{reason} ({kind})"[:REASON_LENGTH]
