import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.accounts.second_factor import KEY, code_for, enrol
from tests.html import text_of

pytestmark = pytest.mark.django_db

WRONG = "Adresse électronique ou mot de passe incorrect."


def test_the_login_form_asks_for_the_email_address(client):
    html = client.get(reverse("accounts:login")).content.decode()
    field = re.search(r"<input [^>]*name=\"username\"[^>]*>", html).group(0)
    assert 'type="email"' in field and 'autocomplete="username"' in field
    field_id = re.search(r'id="([^"]+)"', field).group(1)
    assert re.search(rf'<label for="{field_id}"[^>]*>\s*Adresse électronique', html)


@pytest.mark.parametrize("typed", ["{email}", "  {upper}  "])
def test_login_by_email_in_any_case_then_home(client, agent, typed):
    address = typed.format(email=agent.email, upper=agent.email.upper())
    enrol(agent)
    response = client.post(
        reverse("accounts:login"),
        {"username": address, "password": "mot-de-passe-test"},
        follow=True,
    )
    code_step = response.redirect_chain[-1][0]
    assert code_step == reverse("accounts:second_factor_verify") + "?next=/"
    response = client.post(code_step, {"code": code_for(KEY)}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "Bonjour" in text_of(response)


@pytest.mark.parametrize(
    "username, password",
    [("inconnu@example.org", "mot-de-passe-test"), (None, "faux"), ("", ""), (None, "")],
)
def test_a_wrong_login_says_so_in_french_without_telling_which_part(
    client, agent, username, password
):
    response = client.post(
        reverse("accounts:login"),
        {"username": agent.email if username is None else username, "password": password},
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    page = text_of(response)
    if username == "" or password == "":
        assert "Ce champ est obligatoire." in page
    else:
        assert WRONG in page


def test_logout_is_a_post(client, agent):
    client.force_login(agent)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_french_email_with_a_working_link(client, agent):
    response = client.post(reverse("accounts:password_reset"), {"email": agent.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert "nouveau mot de passe" in message.subject
    link = next(line for line in message.body.splitlines() if line.startswith("http"))
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert "Choisir un nouveau mot de passe" in text_of(form_page)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Une-phrase-longue-2026", "new_password2": "Une-phrase-longue-2026"},
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("Une-phrase-longue-2026")


def test_password_reset_for_an_unknown_address_tells_nothing(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "personne@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_reset_refuses_a_malformed_address(client):
    response = client.post(reverse("accounts:password_reset"), {"email": "pas-une-adresse"})
    assert response.status_code == 200
    assert "Saisissez une adresse de courriel valide." in text_of(response)


def test_password_reset_refuses_mismatched_passwords(client, agent):
    client.post(reverse("accounts:password_reset"), {"email": agent.email})
    link = next(line for line in mail.outbox[0].body.splitlines() if line.startswith("http"))
    form_page = client.get(link.split("testserver", 1)[1], follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Une-phrase-longue-2026", "new_password2": "Autre-phrase-2026"},
    )
    assert response.status_code == 200
    agent.refresh_from_db()
    assert agent.check_password("mot-de-passe-test")


def test_unknown_url_is_a_french_404(client, agent):
    client.force_login(agent)
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)
