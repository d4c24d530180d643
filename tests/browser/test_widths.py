"""Every staff page at a phone's width (375 px) and a tablet's in portrait (768 px): nothing wider
than the screen, no action cut off, the visit form's save button always in view, axe clean."""

import pytest
from django.urls import reverse

from allervers.operators.enums import Role
from allervers.reception.services.topics import topics_seed_defaults
from tests.browser.conftest import assert_accessible, log_in
from tests.operators.sweep import OBJECT_MAKERS, back_office_routes
from tests.reception.factories import VisitFactory

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


def _staff_pages(operator, membership) -> list[str]:
    """Every back-office page a coordinator opens with GET (the sweep's own list)."""
    paths = []
    for route in back_office_routes():
        kwargs = {name: OBJECT_MAKERS[name](operator, membership) for name in route.kwargs}
        paths.append(reverse(route.name, kwargs=kwargs))
    return paths


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["phone-375", "tablet-768"])
def test_every_staff_page_fits_the_screen(
    live_server, browser, operator, make_member, today_stop, width, height
):
    coordinator = make_member(operator, Role.COORDINATOR)
    topics_seed_defaults(operator=operator)
    for _ in range(3):  # today's list with people in the bus and « Terminer » to reach
        VisitFactory(operator=operator, stop=today_stop, left_at=None)
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": width, "height": height}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server.url, coordinator, "/accueil/")
        page.get_by_role("heading", name="Visites du jour").wait_for()
        problems = []
        for path in _staff_pages(operator, coordinator.memberships.get()):
            response = page.request.get(f"{live_server.url}{path}")
            html = response.headers.get("content-type", "").startswith("text/html")
            if response.status != 200 or not html:
                continue  # a file, a feed, a POST-only action or another role's page
            page.goto(f"{live_server.url}{path}")
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{path}: {overflow} px wider than the screen")
            cut = page.evaluate(CUT_OFF_ACTIONS)
            if cut:
                problems.append(f"{path}: actions cut off {cut}")
            try:
                assert_accessible(page)
            except AssertionError as error:
                problems.append(f"{path}: {str(error)[:600]}")
        assert not problems, "\n".join(problems)

        page.goto(f"{live_server.url}/accueil/visites/nouvelle/")
        save = page.get_by_role("button", name="Enregistrer l'arrivée")
        assert save.is_visible()
        box = save.bounding_box()
        assert box["y"] >= 0 and box["y"] + box["height"] <= height, box  # in view, not scrolled
        first_question = page.get_by_role("group", name="Genre")
        if width >= 768:  # the tablet shows the first questions above the fold
            assert first_question.bounding_box()["y"] < height
    finally:
        context.close()
