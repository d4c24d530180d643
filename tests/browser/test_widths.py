"""Every staff page at a phone's width (375 px) and a tablet's in portrait (768 px): nothing wider
than the screen, no action cut off, no table or block scrolled sideways inside the page, the
visit form's save button always in view (and, at the tablet's width, its first questions and
topics above the fold), axe clean."""

import pytest
from django.urls import reverse

from allervers.core.roles import Role
from allervers.reception.services.topics import topics_seed_defaults
from tests.accounts.second_factor import PASSWORD, enrol
from tests.browser.conftest import assert_accessible, enter_code
from tests.operators.sweep import OBJECT_MAKERS, back_office_routes
from tests.reception.factories import PersonFactory, VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [(375, 812), (768, 1024)]

# Actions (links, buttons) of the page's content that lie, even partly, past the screen's
# right edge, or that a scroll container hides: a person cannot reach them without scrolling
# sideways.
CUT_OFF_ACTIONS = """() => {
    const width = document.documentElement.clientWidth;
    return Array.from(document.querySelectorAll("main a, main button, main input, main select"))
        .filter((node) => node.getClientRects().length)
        .filter((node) => getComputedStyle(node).visibility !== "hidden")
        .filter((node) => !node.closest(".visually-hidden"))
        .filter((node) => node.getBoundingClientRect().right > width + 1)
        .map((node) => (node.innerText || node.name || node.outerHTML).trim().slice(0, 60));
}"""

# Blocks of the page's content wider than their box, which scroll (or clip) sideways: a table
# in a scroll container is read a piece at a time, its end out of sight. Form controls scroll
# their own text; visually hidden text is clipped on purpose.
SIDEWAYS_SCROLLED = """() => Array.from(document.querySelectorAll("main *"))
    .filter((node) => !node.matches("input, textarea, select, option"))
    .filter((node) => !node.closest(".visually-hidden, thead"))
    .filter((node) => node.clientWidth > 2 && node.scrollWidth > node.clientWidth + 1)
    .filter((node) => getComputedStyle(node).overflowX !== "visible")
    .map((node) => `${node.tagName.toLowerCase()}.${node.className}: ${
        node.scrollWidth - node.clientWidth} px hidden`)"""

# Tables that fit only by breaking their words anywhere (a column a few letters wide, « Thé-
# mati-ques »): without that last resort, a table wider than the screen. Laid out for a moment
# with words kept whole; a table must fit so (stacked as cards on a narrow screen).
CRAMPED_TABLES = """() => {
    const sheet = new CSSStyleSheet();  // (the CSP refuses a <style> element)
    sheet.replaceSync(
        "main, main * { overflow-wrap: normal !important; word-break: normal !important; }"
    );
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
    const width = document.documentElement.clientWidth;
    const cramped = Array.from(document.querySelectorAll("main table"))
        .filter((table) => table.getClientRects().length)
        .filter((table) => table.getBoundingClientRect().right > width + 1
            || table.scrollWidth > table.clientWidth + 1
            || Array.from(table.querySelectorAll("tbody td, tbody th, tfoot td, tfoot th"))
                .some((cell) => cell.scrollWidth > cell.clientWidth + 1))
        .map((table) => (table.caption ? table.caption.textContent : table.className).trim());
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((kept) => kept !== sheet);
    return cramped;
}"""

# Pages the sweep's list must reach (each answers its page to a coordinator): the width test
# fails rather than skip one silently.
MUST_VISIT = [
    "/accueil/",
    "/accueil/visites/nouvelle/",
    "/accueil/conservation/",
    "/structure/journal/",
    "/bilan/stationnement/",
    "/accueil/personnes/",
]
# Pages that must show a table (with rows) for the check to mean something.
TABLE_PAGES = [
    "/accueil/",
    "/accueil/visites/",
    "/accueil/conservation/",
    "/structure/journal/",
    "/bilan/",
    "/bilan/stationnement/",
]
MUST_VISIT_NAMES = [
    "reception:person_detail",
    "reception:visit_detail",
    "screening:detail",
    "screening:create",
    "screening:setup",
    "bookings:appointment_list",
    "bookings:opening_detail",
    "bookings:appointment_detail",
    "bookings:booking_settings",
    "bookings:workshop_list",
    "bookings:workshop_detail",
]


def _staff_pages(operator, membership) -> list[tuple[str, str]]:
    """Every back-office page a coordinator opens with GET (the sweep's own list): (name, path)."""
    pages = []
    for route in back_office_routes():
        kwargs = {name: OBJECT_MAKERS[name](operator, membership) for name in route.kwargs}
        pages.append((route.name, reverse(route.name, kwargs=kwargs)))
    return pages


def _problems(page, where: str) -> list[str]:
    problems = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        problems.append(f"{where}: {overflow} px wider than the screen")
    cut = page.evaluate(CUT_OFF_ACTIONS)
    if cut:
        problems.append(f"{where}: actions cut off {cut}")
    cramped = page.evaluate(CRAMPED_TABLES)
    if cramped:
        problems.append(f"{where}: tables fit only by breaking words {cramped}")
    scrolled = page.evaluate(SIDEWAYS_SCROLLED)
    if scrolled:
        problems.append(f"{where}: scrolled sideways {scrolled[:5]}")
    try:
        assert_accessible(page)
    except AssertionError as error:
        problems.append(f"{where}: {str(error)[:600]}")
    return problems


def _log_in_checking_each_step(page, base_url: str, user, problems: list[str]) -> None:
    """The login form, then the second factor's step (its code, or setting it up)."""
    page.goto(f"{base_url}/compte/connexion/?next=/accueil/")
    problems += _problems(page, "login")
    page.get_by_label("Adresse électronique").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", level=1).wait_for()
    problems += _problems(page, page.url.removeprefix(base_url))


@pytest.mark.layout
@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["phone-375", "tablet-768"])
def test_every_staff_page_fits_the_screen(
    live_server, browser, operator, make_member, today_stop, width, height
):
    coordinator = make_member(operator, Role.COORDINATOR)
    newcomer = make_member(operator, Role.AGENT)  # no second factor yet: the set-up page
    topics_seed_defaults(operator=operator)
    for _ in range(3):  # today's list with people in the bus and « Terminer » to reach
        VisitFactory(operator=operator, stop=today_stop, left_at=None)
    PersonFactory(operator=operator, consent_purpose=None)  # due to be anonymised: a row
    pages = _staff_pages(operator, coordinator.memberships.get())
    # The access log last: the pages before have written its rows (a person's page viewed...).
    pages.sort(key=lambda page_: page_[0] == "accesslog:journal")
    device = enrol(coordinator)
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    problems = []
    try:
        _log_in_checking_each_step(page, live_server.url, newcomer, problems)
        assert page.url.startswith(f"{live_server.url}/compte/double-authentification/activer/")
        context.clear_cookies()
        _log_in_checking_each_step(page, live_server.url, coordinator, problems)
        enter_code(page, device)
        page.get_by_role("heading", name="Visites du jour").wait_for()

        visited = []
        for name, path in pages:
            response = page.request.get(f"{live_server.url}{path}")
            html = response.headers.get("content-type", "").startswith("text/html")
            if response.status != 200 or not html:
                continue  # a file, a feed, a POST-only action or another role's page
            page.goto(f"{live_server.url}{path}")
            visited += [name, path]
            if path in TABLE_PAGES and not page.locator("main table tbody tr").count():
                problems.append(f"{path}: no table shown, nothing checked")
            problems += _problems(page, path)
        missing = [page_ for page_ in MUST_VISIT + MUST_VISIT_NAMES if page_ not in visited]
        assert not missing, f"pages not visited: {missing}"

        # The person's own pages: « Sécurité », then the new backup codes shown once.
        page.goto(f"{live_server.url}/compte/securite/")
        heading = page.get_by_role("heading", level=1).first
        heading.wait_for()
        renew = page.get_by_role("button", name="Générer de nouveaux codes de secours")
        # Said plainly when the page is another one (a lost session, a lost device).
        assert renew.count(), (page.url, page.inner_text("main")[:600])
        problems += _problems(page, "/compte/securite/")
        renew.click()
        page.get_by_role("heading", level=1, name="Vos codes de secours").wait_for()
        problems += _problems(page, "/compte/codes-de-secours/")
        assert not problems, "\n".join(problems)

        page.goto(f"{live_server.url}/accueil/visites/nouvelle/")
        save = page.get_by_role("button", name="Enregistrer l'arrivée")
        assert save.is_visible()
        box = save.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box  # in view, not scrolled
        if width >= 768:  # the tablet shows the first questions and the topics above the fold
            fold = box["y"]  # the sticky save bar covers the screen's bottom
            for group in ("Genre", "Thématiques de la demande"):
                first = page.get_by_role("group", name=group).locator("label").first.bounding_box()
                bottom = first["y"] + first["height"]  # its first answer, whole, above the bar
                assert bottom <= fold, f"« {group} »: first answer ends at {bottom} px > {fold}"
    finally:
        context.close()
