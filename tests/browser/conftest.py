"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser).

If Chromium cannot start, the tests fail: they are never skipped.
"""

import os

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import sync_playwright

from allervers.accounts.models import AuthenticatorDevice
from allervers.accounts.second_factor import app_device
from tests.accounts.second_factor import PASSWORD, code_for, enrol

CHROMIUM = os.environ.get("ALLERVERS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:  # the browser tests must fail, never skip
            pytest.fail(f"Chromium could not start from {CHROMIUM}: {error}", pytrace=False)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def log_in(page, base_url: str, user, next_path: str = "", password: str = PASSWORD) -> None:
    """Log `user` in through the login form (the factories' password), asking for `next_path`,
    then the code step with the tests' authenticator application (the account is enrolled with
    the tests' key first if it has no application); the caller waits for the page it expects."""
    page.goto(f"{base_url}/compte/connexion/" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(password)
    device = app_device(user) or enrol(user)
    page.get_by_role("button", name="Se connecter").click()
    enter_code(page, device)


def enter_code(page, device) -> None:
    """The code step: the application's current code (each code is accepted once: the device
    forgets the last one used, as if the test had waited for the next one)."""
    AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)
    page.get_by_role("heading", level=1, name="Code de vérification").wait_for()
    page.get_by_label("Code de vérification").fill(code_for(device.bin_key))
    page.get_by_role("button", name="Valider le code").click()


_axe = Axe()


def assert_accessible(page) -> None:
    """Run axe-core on the current page; fail with the violations listed."""
    results = _axe.run(page)
    assert results.violations_count == 0, results.generate_report()
