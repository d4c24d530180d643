"""Platform onboarding without a shell: `manage.py operator_create` and the platform admin's
"add operator" make the structure, its default request themes and its coordinator, who is e-mailed
the link to choose a password. Bad input: a French message, nothing created."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from allervers.core.roles import Role
from allervers.operators.models import Membership, Operator
from allervers.reception.models import Topic
from allervers.reception.services.topics import DEFAULT_TOPICS
from tests.html import text_of
from tests.operators.factories import MembershipFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
ADD = reverse("admin:operators_operator_add")


def assert_ready(slug: str, email: str) -> Operator:
    operator = Operator.objects.get(slug=slug)
    assert not operator.is_demo
    assert Topic.objects.for_operator(operator).count() == len(DEFAULT_TOPICS)
    membership = Membership.objects.get(operator=operator)
    assert membership.role == Role.COORDINATOR and membership.is_active
    assert membership.user.email == email
    return operator


def password_link(message) -> str:
    return next(line for line in message.body.splitlines() if "/compte/mot-de-passe/" in line)


def test_the_command_creates_the_operator_and_emails_the_coordinator_a_password_link(
    client, django_capture_on_commit_callbacks
):
    output = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "operator_create",
            "--name",
            "CCAS de Houdain",
            "--slug",
            "ccas-houdain",
            "--coordinator-email",
            "Coordination@CCAS-Houdain.fr",
            "--coordinator-first-name",
            "Aline",
            stdout=output,
        )
    assert "Structure créée : CCAS de Houdain" in output.getvalue()
    assert_ready("ccas-houdain", "coordination@ccas-houdain.fr")
    (message,) = mail.outbox
    assert message.to == ["coordination@ccas-houdain.fr"]
    assert "CCAS de Houdain" in message.subject
    assert "coordination@ccas-houdain.fr" in message.body
    # The coordinator follows the link, chooses a password and logs in by e-mail.
    form_page = client.get(password_link(message).split("8000", 1)[1], follow=True)
    assert "Choisir un nouveau mot de passe" in text_of(form_page)
    chosen = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Une-phrase-longue-2026", "new_password2": "Une-phrase-longue-2026"},
    )
    assert chosen.status_code == 302
    logged_in = client.post(
        reverse("accounts:login"),
        {"username": "coordination@ccas-houdain.fr", "password": "Une-phrase-longue-2026"},
        follow=True,
    )
    # First login: the coordinator sets up the second factor before anything else.
    assert logged_in.redirect_chain[-1][0].startswith(reverse("accounts:second_factor_enrol"))


def test_an_existing_account_becomes_coordinator_without_a_new_password(
    django_capture_on_commit_callbacks,
):
    elsewhere = MembershipFactory(role=Role.AGENT).user
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "operator_create",
            "--name=CCAS de Houdain",
            "--slug=ccas-houdain",
            f"--coordinator-email={elsewhere.email.upper()}",
            stdout=io.StringIO(),
        )
    assert_ready("ccas-houdain", elsewhere.email)
    assert User.objects.count() == 1
    (message,) = mail.outbox
    assert "/compte/mot-de-passe/" not in message.body


BAD_INPUT = [
    pytest.param(
        {"name": "CCAS de test", "slug": "autre", "email": "a@example.org"},
        "--name",
        "Une structure s'appelle déjà « CCAS de test ».",
        id="existing-name",
    ),
    pytest.param(
        {"name": "ccas DE TEST", "slug": "autre", "email": "a@example.org"},
        "--name",
        "Une structure s'appelle déjà « ccas DE TEST ».",
        id="existing-name-other-case",
    ),
    pytest.param(
        {"name": "Nouveau CCAS", "slug": "ccas-test", "email": "a@example.org"},
        "--slug",
        "L'adresse /ccas-test/ est déjà celle d'une autre structure",
        id="taken-slug",
    ),
    pytest.param(
        {"name": "Nouveau CCAS", "slug": "structure", "email": "a@example.org"},
        "--slug",
        "Cet identifiant est réservé par l'application",
        id="reserved-slug",
    ),
    pytest.param(
        {"name": "Nouveau CCAS", "slug": "pas un slug", "email": "a@example.org"},
        "--slug",
        "Ce champ ne doit contenir que des lettres, des nombres",
        id="malformed-slug",
    ),
    pytest.param(
        {"name": "Nouveau CCAS", "slug": "nouveau", "email": "pas-une-adresse"},
        "--coordinator-email",
        "« pas-une-adresse » n'est pas une adresse électronique valide.",
        id="malformed-email",
    ),
]


def _counts() -> tuple[int, int, int, int]:
    return (
        Operator.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        Topic.objects.count(),
    )


def _nothing_created(before: tuple[int, int, int, int]) -> None:
    assert _counts() == before
    assert mail.outbox == []


@pytest.mark.parametrize("given, option, message", BAD_INPUT)
def test_the_command_refuses_bad_input_in_french_and_creates_nothing(
    operator, given, option, message, django_capture_on_commit_callbacks
):
    before = _counts()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(CommandError) as error:
        call_command(
            "operator_create",
            f"--name={given['name']}",
            f"--slug={given['slug']}",
            f"--coordinator-email={given['email']}",
        )
    assert str(error.value).startswith("Rien n'a été créé.")
    assert f"{option} : {message}" in str(error.value)
    _nothing_created(before)


def test_platform_staff_add_an_operator_with_its_coordinator_in_the_admin(
    client, django_capture_on_commit_callbacks
):
    staff = User.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    form = client.get(ADD)
    assert "adresse électronique de la coordination" in text_of(form).lower()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD,
            {
                "name": "CCAS de Houdain",
                "slug": "ccas-houdain",
                "coordinator_email": "aline.petit@ccas-houdain.fr",
                "coordinator_first_name": "Aline",
                "coordinator_last_name": "Petit",
            },
        )
    assert response.status_code == 302, text_of(response)
    operator = assert_ready("ccas-houdain", "aline.petit@ccas-houdain.fr")
    assert response.url == reverse("admin:operators_operator_changelist")
    (message,) = mail.outbox
    assert message.to == ["aline.petit@ccas-houdain.fr"]
    assert "/compte/mot-de-passe/" in message.body
    assert "Bonjour Aline" in message.body
    # The change page of the new operator lists its coordinator (the memberships inline).
    change = client.get(reverse("admin:operators_operator_change", args=[operator.pk]))
    assert change.status_code == 200


@pytest.mark.parametrize("given, option, message", BAD_INPUT)
def test_the_admin_refuses_bad_input_in_french_and_creates_nothing(
    client, operator, given, option, message, django_capture_on_commit_callbacks
):
    staff = User.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    before = _counts()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            ADD,
            {"name": given["name"], "slug": given["slug"], "coordinator_email": given["email"]},
        )
    assert response.status_code == 200
    page = text_of(response)
    assert "Rien n'a été créé" not in page  # the admin shows the field's own message
    if option == "--coordinator-email":
        message = "Saisissez une adresse de courriel valide."  # the form field's own check
    assert message.lower() in page.lower()
    _nothing_created(before)


def test_editing_an_existing_operator_in_the_admin_still_works(client, operator):
    staff = User.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    page = client.get(reverse("admin:operators_operator_change", args=[operator.pk]))
    assert page.status_code == 200
    assert "coordinator_email" not in page.content.decode()


@pytest.mark.parametrize("typed", ["Europe/paris", "Paris", "", "Europe/Paris; DROP"])
def test_the_admin_refuses_a_time_zone_outside_the_database_in_french(
    client, operator, typed, django_capture_on_commit_callbacks
):
    """Issue 27: a typo in the time zone would break every local time of the structure."""
    staff = User.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    url = reverse("admin:operators_operator_change", args=[operator.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    for prefix_field in ("memberships-TOTAL_FORMS", "memberships-INITIAL_FORMS"):
        data[prefix_field] = "0"
    # The same post with a zone of the database is saved: only the zone is refused below.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**data, "time_zone": "America/Cayenne"}).status_code == 302
    operator.refresh_from_db()
    assert operator.time_zone == "America/Cayenne"
    data["time_zone"] = typed
    response = client.post(url, data)
    assert response.status_code == 200
    text = text_of(response)
    assert "n'est pas un fuseau horaire connu" in text or "Choisissez le fuseau horaire" in text
    operator.refresh_from_db()
    assert operator.time_zone == "America/Cayenne"


def test_the_admin_offers_the_time_zones_of_the_database(client, operator):
    staff = User.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    page = client.get(reverse("admin:operators_operator_change", args=[operator.pk]))
    choices = dict(page.context["adminform"].form.fields["time_zone"].choices)
    assert "Europe/Paris" in choices and "America/Cayenne" in choices
    assert "Europe/paris" not in choices
