"""Issue 12's « Done when »: a coordinator enrols a second factor, logs out, logs in again with
a code of the application; then a backup code. axe runs on every page of the second factor."""

import base64
import datetime
import io
import re

import pytest
import zxingcpp
from PIL import Image

from allervers.accounts.second_factor import BACKUP_CODE_COUNT
from tests.accounts.second_factor import PASSWORD, code_for
from tests.browser.conftest import assert_accessible

pytestmark = pytest.mark.django_db(transaction=True)


def _password_step(page, base: str, email: str) -> None:
    page.goto(f"{base}/compte/connexion/")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def _log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Connexion à l'espace des équipes").wait_for()


def test_a_coordinator_enrols_logs_out_and_logs_in_with_a_code(
    live_server, page, coordinator, clock
):
    base = live_server.url
    _password_step(page, base, coordinator.email)

    # First login: enrolment, with the QR code and the secret written out.
    page.get_by_role("heading", level=1, name="Activer la double authentification").wait_for()
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    # The QR code holds the same secret, for Allervers and this account.
    picture = Image.open(io.BytesIO(page.locator(".qr-code svg").screenshot()))
    (scanned,) = zxingcpp.read_barcodes(picture)
    assert scanned.text.startswith("otpauth://totp/Allervers%3A")
    assert f"secret={secret}" in scanned.text and "issuer=Allervers" in scanned.text
    key = base64.b32decode(secret)
    page.get_by_label("Code de vérification").fill("000000")
    page.get_by_role("button", name="Activer").click()
    page.get_by_text("Ce code ne correspond pas.").wait_for()
    assert_accessible(page)
    page.get_by_label("Code de vérification").fill(code_for(key))
    page.get_by_role("button", name="Activer").click()

    # The backup codes, shown once.
    page.get_by_role("heading", level=1, name="Vos codes de secours").wait_for()
    assert_accessible(page)
    codes = page.get_by_role("list", name="Codes de secours").get_by_role("listitem")
    assert codes.count() == BACKUP_CODE_COUNT
    backup_code = codes.first.inner_text()
    page.get_by_role("link", name="J'ai gardé mes codes, continuer").click()
    page.get_by_role("heading", name=re.compile("^Bonjour")).wait_for()
    _log_out(page)

    # A later login: the code of the application (a new one: each code works once).
    clock.shift(datetime.timedelta(seconds=30))
    _password_step(page, base, coordinator.email)
    page.get_by_role("heading", level=1, name="Code de vérification").wait_for()
    assert_accessible(page)
    page.get_by_label("Code de vérification").fill(code_for(key))
    page.get_by_role("button", name="Valider le code").click()
    page.get_by_role("heading", name=re.compile("^Bonjour")).wait_for()
    assert_accessible(page)

    # The « Sécurité » page says it is on.
    page.get_by_role("link", name="Sécurité du compte").click()
    page.get_by_role("heading", level=1, name="Sécurité du compte").wait_for()
    assert "activée" in page.get_by_role("main").inner_text()
    assert_accessible(page)
    _log_out(page)

    # Without the telephone: a backup code, once.
    _password_step(page, base, coordinator.email)
    page.get_by_label("Code de vérification").fill(backup_code)
    page.get_by_role("button", name="Valider le code").click()
    page.get_by_role("heading", name=re.compile("^Bonjour")).wait_for()
    _log_out(page)
    _password_step(page, base, coordinator.email)
    page.get_by_label("Code de vérification").fill(backup_code)
    page.get_by_role("button", name="Valider le code").click()
    page.get_by_text("Ce code n'est pas valable.").wait_for()
    assert_accessible(page)
