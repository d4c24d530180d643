"""Every back-office or public address the README names answers (no 404)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from allervers.core.roles import Role

pytestmark = pytest.mark.django_db

README = Path(settings.BASE_DIR) / "README.md"
ADDRESS = re.compile(r"`(/[^`\s]*)`")


def readme_addresses() -> list[str]:
    return sorted(set(ADDRESS.findall(README.read_text())))


def test_the_readme_names_addresses():
    assert {"/planning/", "/bilan/", "/structure/reglages/"} <= set(readme_addresses())


def test_every_address_of_the_readme_answers(client, operator, make_member):
    coordinator = make_member(operator, Role.COORDINATOR)
    client.force_login(coordinator)
    for address in readme_addresses():
        path = address.replace("<structure>", operator.slug).replace(
            "/ccas-barlin/", f"/{operator.slug}/"
        )
        if path.startswith("/admin-plateforme/"):
            continue  # platform staff only: the login page of the admin answers for others
        response = client.get(path)
        assert response.status_code in (200, 302), (address, response.status_code)
