"""WCAG 2.2 AA on the back-office forms (issue 27): on a phone, a tablet and a laptop, every
element of a form page's content reached with Tab is fully in view and never under a sticky or
fixed bar (2.4.11 Focus Not Obscured), each form control is a target of at least 24 × 24 px
(2.5.8 Target Size, links inside a sentence exempt), and axe decides every contrast of the visit
and correction forms (no "incomplete" color-contrast result).

The form pages are found, not listed: every back-office page (the sweep's list) that a
coordinator, or else an agent, opens and whose content holds a <form> with a field."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from allervers.core.roles import Role
from allervers.core.tenancy import GUARD_ATTRIBUTE
from allervers.reception.services.topics import topics_seed_defaults
from tests.browser.conftest import log_in
from tests.operators.sweep import OBJECT_MAKERS, back_office_routes
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = [(375, 667), (768, 1024), (1280, 800)]
MAX_TAB_STOPS = 150  # a page's forms, walked to their end (a long list between is cut short)

# Form pages the discovery must find (a coordinator's or an agent's): it fails rather than miss one.
MUST_CHECK = [
    "reception:visit_create",
    "reception:visit_edit",
    "planning:stop_create",
    "planning:site_create",
    "planning:pattern_create",
    "planning:staff_rota",
    "partners:create",
    "reception:person_create",
    "reception:referral_create",
    "bookings:appointment_book",
    "bookings:workshop_create",
    "operators:member_add",
    "operators:settings",
    "reception:visit_import",
    "screening:create",
]

# The page's sticky and fixed elements, kept for the checks after each Tab; its last form with
# a field; the first control of its first form with a field, focused.
START = """() => {
    window.__bars = Array.from(document.querySelectorAll("body *")).filter((node) =>
        ["sticky", "fixed"].includes(getComputedStyle(node).position));
    const forms = Array.from(document.querySelectorAll("main form")).filter((form) =>
        form.querySelector("input:not([type=hidden]), select, textarea"));
    window.__lastForm = forms[forms.length - 1];
    const first = Array.from(forms[0].querySelectorAll(
        "input:not([type=hidden]), select, textarea, button, a[href]"))
        .find((node) => node.getClientRects().length && !node.disabled);
    if (first) first.focus();
    return !!first;
}"""

# After the scroll the focus makes (two frames), the focused element: is it in the page's
# content, fully in the viewport, clear of every sticky or fixed bar; its target size. Headless
# Chromium may schedule no frame at all for a while (a busy machine): the wait for the two frames
# is raced against a timer, or `page.evaluate`, which has no timeout, waits for ever (CI hung so).
FOCUS_STATE = """() => new Promise((resolve) => {
    let settled = false;
    const settle = () => {
    if (settled) return;
    settled = true;
    const element = document.activeElement;
    const box = element.getBoundingClientRect();
    const under = window.__bars.filter((bar) => !bar.contains(element)).filter((bar) => {
        const barBox = bar.getBoundingClientRect();
        return barBox.height && box.bottom > barBox.top && box.top < barBox.bottom
            && box.right > barBox.left && box.left < barBox.right;
    }).map((bar) => bar.className || bar.tagName);
    // The target: the control, or the label around it or for it (a click there sets it).
    let target = box;
    const label = element.closest("label") || (element.labels && element.labels[0]);
    if (label && element.matches("input[type=checkbox], input[type=radio]")) {
        const labelBox = label.getBoundingClientRect();
        if (labelBox.width * labelBox.height > box.width * box.height) target = labelBox;
    }
    // A link inside a sentence is exempt from the target size (2.5.8, "Inline").
    const inline = element.matches("a") && getComputedStyle(element).display === "inline"
        && Array.from(element.parentNode.childNodes).some((node) =>
            node.nodeType === Node.TEXT_NODE && node.textContent.trim());
    resolve({
        name: element.id || element.name || element.textContent.trim().slice(0, 40)
            || element.tagName,
        walked: !!element.closest("main") && element.tagName !== "MAIN"
            && (window.__lastForm.contains(element) || !(window.__lastForm
                .compareDocumentPosition(element) & Node.DOCUMENT_POSITION_FOLLOWING)),
        inForm: !!element.closest("form"),
        // Fully in view (to the pixel), or, taller than the screen, across it.
        inView: box.left >= -1 && box.right <= window.innerWidth + 1
            && (box.height <= window.innerHeight
                ? box.top >= -1 && box.bottom <= window.innerHeight + 1
                : box.top < window.innerHeight && box.bottom > 0),
        under, width: target.width, height: target.height, inline,
        top: box.top, bottom: box.bottom, scrollY: window.scrollY,
    });
    };
    requestAnimationFrame(() => requestAnimationFrame(settle));
    setTimeout(settle, 1000);
})"""

FIELD = re.compile(r"<(select|textarea)\b|<input\b(?![^>]*type=\"(hidden|submit)\")", re.IGNORECASE)


def _holds_a_form_with_a_field(html: str) -> bool:
    """Whether the page's content (its <main>) holds a <form> with a field to fill in."""
    main = html.split("<main", 1)[-1].split("</main>", 1)[0]
    return any(FIELD.search(form.split("</form>", 1)[0]) for form in main.split("<form")[1:])


def _pages_by_role(operator, members) -> dict:
    """Each back-office page (the sweep's list), by the first role of `members` let in."""
    pages = {role: [] for role in members}
    for route in back_office_routes():
        allowed = getattr(route.callback, GUARD_ATTRIBUTE)
        role = next((role for role in members if role in allowed), None)
        if role is None:
            continue
        membership = members[role].memberships.get()
        kwargs = {name: OBJECT_MAKERS[name](operator, membership) for name in route.kwargs}
        pages[role].append((route.name, reverse(route.name, kwargs=kwargs)))
    return pages


def _problems_on(page, where: str) -> tuple[list[str], int]:
    """Tab through the page's forms, from the first control of the first to the end of the last:
    (problems, the form controls reached)."""
    problems, controls = [], 0
    if not page.evaluate(START):
        return [], 0
    for _ in range(MAX_TAB_STOPS):
        state = page.evaluate(FOCUS_STATE)
        if not state["walked"]:
            break
        if not state["inView"] or state["under"]:
            problems.append(f"{where}: « {state['name']} » hidden {sorted(state.items())}")
        if state["inForm"]:
            controls += 1
            small = min(state["width"], state["height"]) < 24
            if small and not state["inline"]:
                problems.append(
                    f"{where}: « {state['name']} » is {state['width']:.0f} × "
                    f"{state['height']:.0f} px, under 24 × 24"
                )
        page.keyboard.press("Tab")
    return problems, controls


@pytest.mark.layout
def test_every_back_office_form_keeps_its_focus_in_view_with_targets_of_24_px(
    live_server, browser, operator, make_member, today_stop
):
    members = {
        Role.COORDINATOR: make_member(operator, Role.COORDINATOR),
        Role.AGENT: make_member(operator, Role.AGENT),
    }
    topics_seed_defaults(operator=operator)
    VisitFactory(operator=operator, stop=today_stop)
    pages = _pages_by_role(operator, members)
    problems, checked = [], []
    for role, user in members.items():
        if not pages[role]:
            continue  # every page of this role is a coordinator's too
        context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            log_in(page, live_server.url, user, "/accueil/")
            page.get_by_role("heading", level=1).wait_for()
            form_pages = []
            for name, path in pages[role]:
                response = page.request.get(f"{live_server.url}{path}", max_redirects=0)
                html = response.headers.get("content-type", "").startswith("text/html")
                if response.status == 200 and html and _holds_a_form_with_a_field(response.text()):
                    form_pages.append((name, path))
            for width, height in WIDTHS:
                page.set_viewport_size({"width": width, "height": height})
                for name, path in form_pages:
                    page.goto(f"{live_server.url}{path}")
                    found, controls = _problems_on(page, f"{path} at {width} px")
                    problems += found
                    if not controls:
                        problems.append(f"{path} at {width} px: no form control reached")
                    checked += [name, path]
        finally:
            context.close()
    missing = [page_ for page_ in MUST_CHECK if page_ not in checked]
    assert not missing, f"form pages not checked: {missing}"
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("form", ["new", "correction"])
def test_axe_decides_every_contrast_of_the_visit_form(
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
        page.goto(f"{live_server.url}{path}")
        page.get_by_role("heading", name=heading).wait_for()
        _assert_contrast_decided(page, width)
        # Answers chosen (their choice highlighted), the last field focused under its bar.
        choices = page.locator("fieldset.choices label.choice:visible")
        for index in range(0, choices.count(), 4):
            choices.nth(index).click()
        page.locator("#id_note").focus()
        _assert_contrast_decided(page, f"{width} with answers")


def _assert_contrast_decided(page, where) -> None:
    results = Axe().run(page).response
    undecided = [
        (node["target"], [check["message"] for check in node["any"]])
        for rule in results["incomplete"]
        if rule["id"] == "color-contrast"
        for node in rule["nodes"]
    ]
    assert not undecided, (where, undecided)
    assert not results["violations"], (where, results["violations"])
