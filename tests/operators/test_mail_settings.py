"""Mail with any backend: `MAILERS` made from the environment by the settings' own function
(config/settings/mail.py) gives each backend its own options only, and the invitation task sends
through it; a wrong setting is a French error, and a message that fails says why on the
member's page."""

import smtplib

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import mailers
from django.core.management import call_command
from django.urls import reverse

from allervers.core.mail import mail_check, send_failure_reason
from allervers.core.roles import Role
from allervers.operators.models import Membership
from allervers.operators.services import member_invite
from config.settings.mail import anymail_from_env, mailers_from_env
from tests.html import text_of

SMTP = "django.core.mail.backends.smtp.EmailBackend"
BREVO = "anymail.backends.brevo.EmailBackend"


def test_smtp_is_the_default_with_its_options():
    env = {
        "ALLERVERS_EMAIL_HOST": "smtp.example.org",
        "ALLERVERS_EMAIL_PORT": "587",
        "ALLERVERS_EMAIL_HOST_USER": "u",
        "ALLERVERS_EMAIL_HOST_PASSWORD": "p",
        "ALLERVERS_EMAIL_USE_TLS": "1",
    }
    default = mailers_from_env(env)["default"]
    assert default["BACKEND"] == SMTP
    assert default["OPTIONS"] == {
        "host": "smtp.example.org",
        "port": 587,
        "username": "u",
        "password": "p",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 20,
    }


@pytest.mark.parametrize(
    "named, backend",
    [
        ("console", "django.core.mail.backends.console.EmailBackend"),
        ("django.core.mail.backends.console.EmailBackend", None),
        ("locmem", "django.core.mail.backends.locmem.EmailBackend"),
        (BREVO, None),
    ],
)
def test_any_other_backend_gets_no_smtp_option(named, backend):
    env = {"ALLERVERS_EMAIL_BACKEND": named, "ALLERVERS_EMAIL_HOST": "smtp.example.org"}
    default = mailers_from_env(env)["default"]
    assert default == {"BACKEND": backend or named, "OPTIONS": {}}


def test_the_file_backend_gets_its_directory_and_needs_one():
    env = {"ALLERVERS_EMAIL_BACKEND": "file", "ALLERVERS_EMAIL_FILE_PATH": "/var/mail/av"}
    assert mailers_from_env(env)["default"]["OPTIONS"] == {"file_path": "/var/mail/av"}
    with pytest.raises(ImproperlyConfigured, match="ALLERVERS_EMAIL_FILE_PATH"):
        mailers_from_env({"ALLERVERS_EMAIL_BACKEND": "file"})


def test_a_provider_reads_its_anymail_settings_from_the_environment():
    env = {
        "ALLERVERS_EMAIL_BACKEND": BREVO,
        "ALLERVERS_ANYMAIL_BREVO_API_KEY": "xkeysib-123",
        "ALLERVERS_ANYMAIL_SEND_DEFAULTS": "ignored-by-nobody",
        "ALLERVERS_EMAIL_OPTIONS": '{"debug_api_requests": false}',
    }
    assert mailers_from_env(env)["default"] == {
        "BACKEND": BREVO,
        "OPTIONS": {"debug_api_requests": False},
    }
    assert anymail_from_env(env) == {
        "BREVO_API_KEY": "xkeysib-123",
        "SEND_DEFAULTS": "ignored-by-nobody",
    }


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"ALLERVERS_EMAIL_BACKEND": "brevo please"}, "ALLERVERS_EMAIL_BACKEND"),
        ({"ALLERVERS_EMAIL_BACKEND": "mailjet"}, "ALLERVERS_EMAIL_BACKEND"),
        ({"ALLERVERS_EMAIL_PORT": "vingt-cinq"}, "ALLERVERS_EMAIL_PORT"),
        (
            {"ALLERVERS_EMAIL_USE_TLS": "1", "ALLERVERS_EMAIL_USE_SSL": "1"},
            "ALLERVERS_EMAIL_USE_SSL",
        ),
        ({"ALLERVERS_EMAIL_OPTIONS": "[1, 2]"}, "ALLERVERS_EMAIL_OPTIONS"),
        ({"ALLERVERS_EMAIL_OPTIONS": "{timeout: 3"}, "ALLERVERS_EMAIL_OPTIONS"),
    ],
)
def test_a_wrong_setting_is_a_french_error_naming_the_variable(env, variable):
    with pytest.raises(ImproperlyConfigured) as error:
        mailers_from_env(env)
    assert variable in str(error.value)


def test_a_backend_that_does_not_exist_fails_the_system_check(settings):
    settings.MAILERS = mailers_from_env({"ALLERVERS_EMAIL_BACKEND": "anymail.backends.nope.X"})
    (error,) = mail_check()
    assert error.id == "allervers.mail.E001"
    assert "Les courriels ne pourront pas partir" in error.msg
    assert "anymail.backends.nope.X" in error.msg


def test_a_provider_without_its_key_fails_the_system_check(settings):
    settings.MAILERS = mailers_from_env({"ALLERVERS_EMAIL_BACKEND": BREVO})
    settings.ANYMAIL = {}
    (error,) = mail_check()
    assert "api_key" in error.msg
    settings.ANYMAIL = anymail_from_env({"ALLERVERS_ANYMAIL_BREVO_API_KEY": "k"})
    assert mail_check() == []
    assert mailers.default.api_key == "k"  # built from the same settings as the task uses


def _invite(operator, email="nouvelle@example.org"):
    return member_invite(
        operator=operator,
        email=email,
        first_name="Nora",
        last_name="Bel",
        role=Role.AGENT,
        partner=None,
    )


@pytest.mark.django_db
def test_the_console_backend_prints_the_invitation(
    settings, operator, capsys, django_capture_on_commit_callbacks
):
    settings.MAILERS = mailers_from_env(
        {"ALLERVERS_EMAIL_BACKEND": "console", "ALLERVERS_EMAIL_HOST": "smtp.example.org"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(operator)
    printed = capsys.readouterr().out
    assert "To: nouvelle@example.org" in printed
    assert "/compte/mot-de-passe/nouveau/" in printed
    membership.refresh_from_db()
    assert membership.invitation_sent_at is not None and membership.invitation_error == ""


@pytest.mark.django_db
def test_the_file_backend_writes_the_invitation(
    settings, operator, tmp_path, django_capture_on_commit_callbacks
):
    settings.MAILERS = mailers_from_env(
        {"ALLERVERS_EMAIL_BACKEND": "file", "ALLERVERS_EMAIL_FILE_PATH": str(tmp_path)}
    )
    with django_capture_on_commit_callbacks(execute=True):
        _invite(operator)
    (written,) = tmp_path.iterdir()
    assert "nouvelle@example.org" in written.read_text()


@pytest.mark.django_db
def test_operator_create_prints_the_invitation_with_the_console_backend(
    settings, capsys, django_capture_on_commit_callbacks
):
    settings.MAILERS = mailers_from_env({"ALLERVERS_EMAIL_BACKEND": "console"})
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "operator_create",
            "--name=CCAS de Houdain",
            "--slug=ccas-houdain",
            "--coordinator-email=aline@ccas-houdain.fr",
        )
    assert "To: aline@ccas-houdain.fr" in capsys.readouterr().out


@pytest.mark.django_db
def test_an_invitation_that_cannot_be_sent_says_why_and_can_be_sent_again(
    settings, client, operator, coordinator, django_capture_on_commit_callbacks
):
    # An SMTP server that refuses the connection (nothing listens on this port).
    settings.MAILERS = mailers_from_env(
        {
            "ALLERVERS_EMAIL_HOST": "127.0.0.1",
            "ALLERVERS_EMAIL_PORT": "9",
            "ALLERVERS_EMAIL_TIMEOUT": "2",
        }
    )
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(operator)
    membership.refresh_from_db()
    assert membership.invitation_sent_at is None  # never marked sent before it is
    assert "serveur de courriel est injoignable" in membership.invitation_error
    client.force_login(coordinator)
    team = text_of(client.get(reverse("operators:member_list")))
    assert "Invitation non envoyée : le serveur de courriel est injoignable" in team
    assert "Renvoyer l'invitation" in team
    # The platform fixed its mail: the coordinator sends it again, it arrives.
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    resend = reverse("operators:member_invitation_resend", args=[membership.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(resend)
    (message,) = mail.outbox
    assert message.to == ["nouvelle@example.org"]
    membership.refresh_from_db()
    assert membership.invitation_error == "" and membership.invitation_sent_at is not None
    assert "Invitation non envoyée" not in text_of(client.get(reverse("operators:member_list")))


def test_failure_reasons_are_french_and_bounded():
    assert "injoignable" in send_failure_reason(ConnectionRefusedError(111, "refused"))
    assert "adresse a été refusée" in send_failure_reason(
        smtplib.SMTPRecipientsRefused({"a@b.c": (550, b"no")})
    )
    assert "mal configuré" in send_failure_reason(ImproperlyConfigured("x" * 500))
    assert len(send_failure_reason(RuntimeError("y" * 900))) <= 200
    assert Membership._meta.get_field("invitation_error").max_length == 200


@pytest.mark.django_db(transaction=True)
def test_the_worker_prints_the_invitation_of_operator_create_with_the_console_backend(
    settings, capsys
):
    """The production path: the task waits in the database and `db_worker` sends it."""
    settings.MAILERS = mailers_from_env({"ALLERVERS_EMAIL_BACKEND": "console"})
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    call_command(
        "operator_create",
        "--name=CCAS de Houdain",
        "--slug=ccas-houdain",
        "--coordinator-email=aline@ccas-houdain.fr",
    )
    membership = Membership.objects.get(user__email="aline@ccas-houdain.fr")
    assert membership.invitation_requested_at is not None
    assert membership.invitation_sent_at is None  # waiting for the worker: not sent yet
    assert "To: aline@ccas-houdain.fr" not in capsys.readouterr().out
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert "To: aline@ccas-houdain.fr" in capsys.readouterr().out
    membership.refresh_from_db()
    assert membership.invitation_sent_at is not None
