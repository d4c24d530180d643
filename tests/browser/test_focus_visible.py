"""WCAG 2.2, 2.4.11 Focus Not Obscured (issue 27): on the visit form, which keeps its save bar
stuck to the bottom of the screen, every element reached with Tab is fully in view and never
under the bar, on a phone, a tablet and a laptop."""

import pytest

from allervers.operators.enums import Role
from allervers.reception.services.topics import topics_seed_defaults
from tests.browser.conftest import log_in
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [(375, 667), (768, 1024), (1280, 800)]

# The focused element's box, and whether it is fully in the viewport and clear of the bar.
FOCUS_STATE = """() => {
    const element = document.activeElement;
    const box = element.getBoundingClientRect();
    const bar = document.querySelector(".visit-form .form-actions");
    const barBox = bar.getBoundingClientRect();
    const inBar = bar.contains(element);
    const inView = box.top >= 0 && box.left >= 0
        && box.bottom <= window.innerHeight && box.right <= window.innerWidth;
    const underBar = !inBar && box.bottom > barBox.top && box.top < barBox.bottom;
    return {
        name: element.id || element.name || element.tagName,
        inForm: !!element.closest(".visit-form"),
        inView, underBar, top: box.top, bottom: box.bottom, barTop: barBox.top,
        barBottom: barBox.bottom, scrollY: window.scrollY,
    };
}"""


@pytest.mark.parametrize("form", ["new", "correction"])
def test_no_field_of_the_visit_form_is_hidden_under_its_save_bar(
    live_server, page, operator, make_member, today_stop, form
):
    agent = make_member(operator, Role.AGENT)
    topics_seed_defaults(operator=operator)
    if form == "new":
        path, heading = "/accueil/visites/nouvelle/", "Nouvelle visite"
    else:
        visit = VisitFactory(operator=operator, stop=today_stop)
        path, heading = f"/accueil/visites/{visit.pk}/corriger/", "Corriger la visite"
    log_in(page, live_server.url, agent, path)
    page.get_by_role("heading", name=heading).wait_for()
    for width, height in WIDTHS:
        page.set_viewport_size({"width": width, "height": height})
        page.reload()
        page.get_by_role("heading", name=heading).wait_for()
        page.locator("#id_stop").focus()
        checked = 0
        for _ in range(120):
            page.wait_for_timeout(50)  # the scroll the focus makes, in the next frame
            state = page.evaluate(FOCUS_STATE)
            if not state["inForm"]:
                break
            assert state["inView"] and not state["underBar"], (width, sorted(state.items()))
            checked += 1
            page.keyboard.press("Tab")
        assert checked >= 10, (width, checked)  # the form's fields were walked
