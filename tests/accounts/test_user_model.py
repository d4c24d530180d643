"""Accounts are e-mail addresses: one account per address whatever its case, no username."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from allervers.accounts.models import EMAIL_TAKEN
from tests.html import text_of

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_the_user_model_is_the_email_account():
    assert User._meta.label == "accounts.User"
    assert User.USERNAME_FIELD == "email"
    assert "username" not in {field.name for field in User._meta.get_fields()}


def test_the_manager_stores_one_spelling_of_the_address():
    user = User.objects.create_user("  Lea.Roux@Example.ORG ", password="x", first_name="Léa")
    assert user.email == "lea.roux@example.org"
    assert user.get_username() == "lea.roux@example.org"
    assert str(user) == "Léa"
    assert not User.objects.create_user("sans.mot.de.passe@example.org").has_usable_password()


def test_an_address_is_unique_whatever_its_case_even_past_the_manager():
    User.objects.create_user("lea.roux@example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user("LEA.ROUX@example.org")
    # A raw write bypassing the normalisation still meets the database constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="Lea.Roux@Example.org")])
    assert User.objects.count() == 1


def test_validation_says_so_in_french():
    User.objects.create_user("lea.roux@example.org")
    with pytest.raises(ValidationError) as error:
        User(email="Lea.Roux@example.org", password="x").full_clean()
    assert EMAIL_TAKEN in error.value.messages


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_createsuperuser_asks_the_email_address(monkeypatch):
    prompts = []
    monkeypatch.setattr(
        "builtins.input", lambda prompt: prompts.append(prompt) or "Admin@Example.org"
    )
    monkeypatch.setattr(
        "django.contrib.auth.management.commands.createsuperuser.getpass.getpass",
        lambda prompt="": "Une-phrase-longue-2026",
    )
    call_command("createsuperuser", stdin=Terminal(), stdout=io.StringIO())
    assert prompts == ["Adresse électronique: "]
    admin = User.objects.get()
    assert admin.email == "admin@example.org" and admin.is_staff and admin.is_superuser
    assert admin.check_password("Une-phrase-longue-2026")


def test_platform_staff_find_and_create_accounts_in_the_admin(client):
    staff = User.objects.create_superuser("plateforme@example.org", password="x")
    client.force_login(staff)
    listing = client.get(reverse("admin:accounts_user_changelist"), {"q": "plateforme"})
    assert "plateforme@example.org" in text_of(listing)
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "Nouvelle@Example.org",
            "first_name": "Inès",
            "last_name": "Moreau",
            "usable_password": "false",
        },
    )
    assert response.status_code == 302, text_of(response)
    assert User.objects.get(email="nouvelle@example.org").get_full_name() == "Inès Moreau"
    duplicate = client.post(
        reverse("admin:accounts_user_add"),
        {"email": "NOUVELLE@example.org", "usable_password": "false"},
    )
    assert duplicate.status_code == 200
    assert EMAIL_TAKEN in text_of(duplicate)
    assert User.objects.count() == 2
