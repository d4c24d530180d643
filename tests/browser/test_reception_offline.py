"""The bus's tablet loses the network: visits and departures wait on it, then are sent once."""

import datetime
import json

import pytest

from allervers.accounts.second_factor import app_device
from allervers.core.roles import Role
from allervers.reception.models import Visit
from allervers.reception.services.topics import topics_seed_defaults
from tests.browser.conftest import assert_accessible, enter_code, log_in
from tests.conftest import NOW
from tests.reception.factories import VisitFactory

pytestmark = pytest.mark.django_db(transaction=True)
FORTY_MINUTES = datetime.timedelta(minutes=40)


def _record(page, base_url: str, arrival: str, gender: str, topic: str) -> None:
    """Fill and send the visit form (opened from today's visits, as the agent does)."""
    page.get_by_role("main").get_by_role("link", name="Nouvelle visite").click()
    page.get_by_role("heading", name="Nouvelle visite").wait_for()
    page.get_by_label("Heure d'arrivée").fill(arrival)
    page.get_by_role("group", name="Genre").get_by_label(gender, exact=True).check()
    page.get_by_label(topic).check()
    page.get_by_role("button", name="Enregistrer l'arrivée").click()
    page.get_by_role("heading", name="Visites du jour").wait_for()


def _wait_for_visits(count: int, page) -> None:
    for _ in range(100):
        if Visit.objects.count() == count:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{Visit.objects.count()} visits, expected {count}")


def _log_in_again_then_the_visit_is_sent(page, agent) -> None:
    """The login page: the agent logs in again, and the visit kept on the tablet is sent."""
    page.get_by_label("Adresse électronique").fill(agent.email)
    page.get_by_label("Mot de passe").fill("mot-de-passe-test")
    page.get_by_role("button", name="Se connecter").click()
    enter_code(page, app_device(agent))
    page.get_by_text("Envoi terminé : 1 élément enregistré").wait_for()
    _wait_for_visits(1, page)


def _agent_on_todays_visits(page, base_url: str, operator, make_member):
    """An agent logged in on today's visits, the tablet's clock at the server's (NOW, moving
    on)."""
    agent = make_member(operator, Role.AGENT)
    topics_seed_defaults(operator=operator)
    page.clock.install(time=NOW)
    log_in(page, base_url, agent, "/accueil/")
    page.get_by_role("heading", name="Visites du jour").wait_for()
    return agent


def test_visits_recorded_without_network_are_kept_then_sent_once(
    live_server, page, operator, make_member, today_stop
):
    agent = _agent_on_todays_visits(page, live_server.url, operator, make_member)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    # Opened once with the network: the service worker keeps both pages.
    page.reload()
    page.get_by_role("main").get_by_role("link", name="Nouvelle visite").click()
    page.get_by_role("heading", name="Nouvelle visite").wait_for()
    page.goto(f"{live_server.url}/accueil/")

    page.context.set_offline(True)
    _record(page, live_server.url, "09:50", "Femme", "Démarches administratives liées à l'emploi")
    queue = page.get_by_role("region", name="Sur la tablette")
    queue.get_by_text("1 visite en attente d'envoi").wait_for()
    assert "Pas de réseau" in queue.inner_text()
    assert_accessible(page)
    _record(page, live_server.url, "09:55", "Homme", "Logement")
    _record(page, live_server.url, "10:00", "Femme", "Logement")
    queue.get_by_text("3 visites en attente d'envoi").wait_for()
    assert Visit.objects.count() == 0

    page.clock.fast_forward("03:00")  # the person arrived at 09:55 leaves at 10:03
    queue.get_by_role("button", name="Terminer la visite en attente arrivée à 09:55").click()
    queue.get_by_text("départ à 10:03").wait_for()
    assert_accessible(page)

    # Reloaded without network: the page is the service worker's copy, the queue still there.
    with page.expect_response(lambda response: response.url.endswith("/accueil/")) as reloaded:
        page.reload()
    assert reloaded.value.from_service_worker
    queue.get_by_text("3 visites en attente d'envoi").wait_for()
    assert queue.get_by_text("départ à 10:03").is_visible()
    assert Visit.objects.count() == 0

    sent = []
    page.on(
        "request",
        lambda request: (
            sent.append(request.post_data)
            if request.method == "POST" and "synchroniser" in request.url
            else None
        ),
    )
    page.context.set_offline(False)
    page.get_by_text("Envoi terminé : 3 éléments enregistrés").wait_for()
    _wait_for_visits(3, page)
    queue.get_by_text("Aucune visite en attente d'envoi").wait_for()  # the page, reloaded
    assert "Dans le bus (2)" in page.get_by_role("region", name="Place du Regain").inner_text()
    assert_accessible(page)

    visits = {
        f"{visit.arrived_at.astimezone(NOW.tzinfo):%H:%M}": visit for visit in Visit.objects.all()
    }
    assert sorted(visits) == ["09:50", "09:55", "10:00"]
    assert [visits[t].gender for t in ("09:50", "09:55", "10:00")] == ["female", "male", "female"]
    assert list(visits["09:50"].topics.values_list("slug", flat=True)) == ["emploi"]
    assert list(visits["10:00"].topics.values_list("slug", flat=True)) == ["logement"]
    assert [t for t, visit in visits.items() if visit.left_at] == ["09:55"]
    assert visits["09:55"].left_at.astimezone(NOW.tzinfo).time() == datetime.time(10, 3)
    assert all(visit.client_id and visit.created_by == agent for visit in visits.values())

    # The same sending again (a retry after a lost answer): nothing is created twice.
    assert len(sent) == 1
    token = page.request.get(f"{live_server.url}/accueil/visites/synchroniser/").json()
    again = page.request.post(
        f"{live_server.url}/accueil/visites/synchroniser/",
        data=sent[0],
        headers={"Content-Type": "application/json", "X-CSRFToken": token["csrf_token"]},
    )
    assert [result["status"] for result in again.json()["results"]] == ["already"] * 3
    assert Visit.objects.count() == 3
    assert json.loads(sent[0])["items"][0]["kind"] == "visit"


def test_after_the_session_expired_the_queue_waits_for_the_login_then_is_sent(
    live_server, page, operator, make_member, today_stop
):
    from django.contrib.sessions.models import Session

    agent = make_member(operator, Role.AGENT)
    topics_seed_defaults(operator=operator)
    page.clock.install(time=NOW)
    log_in(page, live_server.url, agent, "/accueil/visites/nouvelle/")
    page.get_by_role("heading", name="Nouvelle visite").wait_for()
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.goto(f"{live_server.url}/accueil/")
    page.context.set_offline(True)
    _record(page, live_server.url, "09:40", "Homme", "CAF")
    queue = page.get_by_role("region", name="Sur la tablette")
    queue.get_by_text("1 visite en attente d'envoi").wait_for()

    Session.objects.all().delete()  # the session ended while the bus had no network
    page.context.set_offline(False)
    queue.get_by_text("Votre session a expiré").wait_for()
    assert queue.get_by_text("1 visite en attente d'envoi").is_visible()
    assert Visit.objects.count() == 0
    assert_accessible(page)

    queue.get_by_role("link", name="Se reconnecter").click()
    _log_in_again_then_the_visit_is_sent(page, agent)
    assert Visit.objects.get().gender == "male"

    # Logging out forgets the tablet's queue and the pages its service worker kept.
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("button", name="Se connecter").wait_for()
    assert page.evaluate("indexedDB.databases().then((dbs) => dbs.map((db) => db.name))") == []
    assert page.evaluate("caches.keys()") == []


# --- The network fails while the tablet still believes it is online ---------------------------
# (the bus's Wi-Fi router is there, its 4G is not): `navigator.onLine` stays true, the sending
# of the form fails. The visit form and « Terminer » are sent by the page's script, which keeps
# what could not be sent, as without network.


def _posts_fail(route):
    if route.request.method == "POST":
        route.abort("internetdisconnected")
    else:
        route.continue_()


def test_what_cannot_reach_the_server_is_kept_then_sent_once(
    live_server, page, operator, make_member, today_stop
):
    in_bus = VisitFactory(operator=operator, stop=today_stop, arrived_at=NOW - FORTY_MINUTES)
    _agent_on_todays_visits(page, live_server.url, operator, make_member)
    page.route("**/accueil/visites/**", _posts_fail)

    _record(page, live_server.url, "09:50", "Femme", "Logement")
    queue = page.get_by_role("region", name="Sur la tablette")
    queue.get_by_text("1 visite en attente d'envoi").wait_for()
    assert page.evaluate("navigator.onLine")  # the browser never knew
    page.get_by_text("Le réseau ne répond pas").first.wait_for()
    page.get_by_role("button", name="Terminer la visite arrivée à 09h20").click()
    queue.get_by_text("1 visite en attente d'envoi, 1 départ en attente d'envoi").wait_for()
    waiting = "Départ en attente d'envoi de la visite arrivée à 09h20"
    assert page.get_by_role("button", name=waiting).is_disabled()
    assert_accessible(page)
    assert Visit.objects.count() == 1 and Visit.objects.get().left_at is None

    page.unroute("**/accueil/visites/**")
    page.clock.fast_forward("00:31")  # sent again by itself, no `online` event needed
    page.get_by_text("Envoi terminé : 2 éléments enregistrés").wait_for()
    _wait_for_visits(2, page)
    queue.get_by_text("Aucune visite en attente d'envoi").wait_for()  # the page, reloaded
    in_bus.refresh_from_db()
    assert in_bus.left_at is not None
    kept = Visit.objects.exclude(pk=in_bus.pk).get()
    assert f"{kept.arrived_at.astimezone(NOW.tzinfo):%H:%M}" == "09:50"
    assert kept.gender == "female"
    assert list(kept.topics.values_list("slug", flat=True)) == ["logement"]
    assert kept.client_id is not None


def test_a_visit_saved_whose_answer_was_lost_is_not_created_twice(
    live_server, page, operator, make_member, today_stop
):
    _agent_on_todays_visits(page, live_server.url, operator, make_member)
    lost = []

    def lose_the_first_answer(route):
        if route.request.method == "POST" and route.request.url.endswith("/nouvelle/") and not lost:
            lost.append(route.fetch())  # the server receives the visit and saves it...
            route.abort("connectionreset")  # ...and its answer is lost on the way back
        else:
            route.continue_()

    page.route("**/accueil/visites/**", lose_the_first_answer)
    _record(page, live_server.url, "09:55", "Homme", "CAF")
    assert lost and Visit.objects.count() == 1
    # Kept on the tablet under the identifier it was sent with, then sent: the server has it.
    page.get_by_text("Envoi terminé : 1 élément enregistré").wait_for()
    queue = page.get_by_role("region", name="Sur la tablette")
    queue.get_by_text("Aucune visite en attente d'envoi").wait_for()  # the page, reloaded
    visit = Visit.objects.get()
    assert (visit.gender, list(visit.topics.values_list("slug", flat=True))) == ("male", ["caf"])
    assert f"{visit.arrived_at.astimezone(NOW.tzinfo):%H:%M}" == "09:55"
    assert "Dans le bus (1)" in page.get_by_role("region", name="Place du Regain").inner_text()

    # With the network, the form is sent by the script and the server's message still shows.
    _record(page, live_server.url, "10:00", "Femme", "Logement")
    page.get_by_text("Visite enregistrée : arrivée à 10:00.").wait_for()
    assert Visit.objects.count() == 2
    assert_accessible(page)


def test_a_form_the_server_refuses_shows_its_errors_as_without_javascript(
    live_server, page, operator, make_member, today_stop
):
    agent = make_member(operator, Role.AGENT)
    topics_seed_defaults(operator=operator)
    log_in(page, live_server.url, agent, "/accueil/visites/nouvelle/")
    page.get_by_role("heading", name="Nouvelle visite").wait_for()
    page.get_by_label("Heure d'arrivée").fill("")
    with page.expect_response(
        lambda response: response.request.method == "POST" and response.status == 400
    ):
        page.get_by_role("button", name="Enregistrer l'arrivée").click()
    alert = page.get_by_role("alert")
    alert.get_by_text("Heure d'arrivée : Indiquez l'heure d'arrivée.").wait_for()
    assert page.get_by_role("heading", name="Nouvelle visite").is_visible()
    assert_accessible(page)
    page.get_by_label("Heure d'arrivée").fill("09:58")
    page.get_by_role("button", name="Enregistrer l'arrivée").click()
    page.get_by_text("Visite enregistrée : arrivée à 09:58.").wait_for()
    assert Visit.objects.get().client_id is not None


def test_a_visit_sent_after_the_session_expired_is_kept_until_the_login(
    live_server, page, operator, make_member, today_stop
):
    from django.contrib.sessions.models import Session

    agent = _agent_on_todays_visits(page, live_server.url, operator, make_member)
    page.get_by_role("main").get_by_role("link", name="Nouvelle visite").click()
    page.get_by_role("heading", name="Nouvelle visite").wait_for()
    Session.objects.all().delete()  # the session ended while the agent filled the form
    page.get_by_label("Heure d'arrivée").fill("09:45")
    page.get_by_role("group", name="Genre").get_by_label("Homme", exact=True).check()
    page.get_by_role("button", name="Enregistrer l'arrivée").click()
    page.get_by_text("Votre session a expiré : la saisie est gardée sur la tablette.").wait_for()
    assert Visit.objects.count() == 0
    assert_accessible(page)

    _log_in_again_then_the_visit_is_sent(page, agent)
    visit = Visit.objects.get()
    assert (visit.gender, f"{visit.arrived_at.astimezone(NOW.tzinfo):%H:%M}") == ("male", "09:45")
