"""An agent creates a workshop of two seats, registers three people: the third goes on the
waiting list; a registered person cancels, the waiting person is promoted (and told)."""

import datetime
import re

import pytest

from allervers.bookings.enums import RegistrationStatus
from allervers.bookings.models import Registration
from allervers.core.roles import Role
from tests.browser.conftest import assert_accessible, log_in
from tests.planning.factories import future_stop

pytestmark = pytest.mark.django_db(transaction=True)


def register(page, first_name: str, phone: str) -> None:
    form = page.get_by_role("region", name="Inscrire quelqu'un")
    form.get_by_label(re.compile(r"^Prénom")).fill(first_name)
    form.get_by_label("Téléphone (facultatif)").fill(phone)
    form.get_by_label("La personne accepte d'être prévenue").check()
    form.get_by_role("button", name="Inscrire cette personne").click()


def test_a_workshop_fills_up_and_its_waiting_list_moves_up(
    live_server, page, operator, make_member, sms_outbox
):
    agent = make_member(operator, Role.AGENT, first_name="Camille")
    stop = future_stop(
        operator=operator,
        site__name="Place du Regain",
        start_time=datetime.time(9),
        end_time=datetime.time(12),
    )
    log_in(page, live_server.url, agent)
    page.get_by_role("heading", name="Bonjour Camille").wait_for()
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Ateliers"
    ).click()
    page.get_by_role("heading", level=1, name="Ateliers collectifs").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Nouvel atelier").click()
    page.get_by_role("heading", level=1, name="Nouvel atelier collectif").wait_for()
    page.get_by_label("Permanence").select_option(label=stop.slot_label)
    page.get_by_label("Intitulé").fill("Atelier CV")
    page.get_by_label("Heure de début").fill("09:30")
    page.get_by_label("Heure de fin").fill("13:00")
    page.get_by_label("Places").fill("2")
    page.get_by_role("button", name="Créer l'atelier").click()
    # The workshop must fit in the stop's hours: said next to the field, nothing created.
    page.get_by_text("L'atelier doit tenir dans les horaires de la permanence").wait_for()
    assert_accessible(page)
    page.get_by_label("Heure de fin").fill("11:30")
    page.get_by_role("button", name="Créer l'atelier").click()
    page.get_by_role("heading", level=1, name="Atelier « Atelier CV »").wait_for()
    assert "2 place(s) restante(s)" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Modifier l'atelier").click()
    page.get_by_role("heading", level=1, name="Modifier l'atelier « Atelier CV »").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Retour").click()
    page.get_by_role("heading", level=1, name="Atelier « Atelier CV »").wait_for()

    register(page, "Nadia", "06 12 34 56 01")
    page.get_by_text("Nadia est inscrit(e) à l'atelier.").wait_for()
    register(page, "Karim", "06 12 34 56 02")
    page.get_by_text("Karim est inscrit(e) à l'atelier.").wait_for()
    register(page, "Lucie", "06 12 34 56 03")
    page.get_by_text("L'atelier est complet : Lucie est sur la liste d'attente.").wait_for()
    waiting = page.get_by_role("region", name="Liste d'attente (1)")
    assert "Lucie" in waiting.inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="Annuler l'inscription de Nadia").click()
    page.get_by_role("heading", level=1, name="Annuler l'inscription de Nadia").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Annuler l'inscription").click()
    page.get_by_text("Lucie passe de la liste d'attente à une place").wait_for()
    seats = page.get_by_role("region", name="Inscrits (2)")
    assert "Lucie" in seats.inner_text() and "venu(e) de la liste d'attente" in seats.inner_text()
    assert "Nadia" not in seats.inner_text()
    assert "Personne n'est en attente." in page.locator("main").inner_text()
    assert_accessible(page)
    lucie = Registration.objects.get(first_name="Lucie")
    assert lucie.status == RegistrationStatus.REGISTERED and lucie.promoted_at is not None
    # Lucie is told, once, by SMS (she gave a phone only): no workshop name in an SMS.
    told = [sms for sms in sms_outbox() if sms["to"] == "+33612345603"]
    assert len(told) == 2  # placed on the waiting list, then promoted
    assert "place" in told[-1]["text"].lower() and "Atelier CV" not in told[-1]["text"]

    # The residents read the seats left under the stop, on the public page.
    page.goto(f"{live_server.url}/{operator.slug}/")
    page.get_by_text(
        "Atelier : Atelier CV, de 9 h 30 à 11 h 30, complet (liste d'attente)"
    ).wait_for()
    assert_accessible(page)

    page.goto(f"{live_server.url}/accueil/ateliers/{lucie.workshop_id}/")
    page.get_by_role("link", name="Annuler l'atelier").click()
    page.get_by_role("heading", level=1, name="Annuler l'atelier « Atelier CV »").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Annuler l'atelier").click()
    page.get_by_text("L'atelier est annulé. 2 personne(s)").wait_for()
    assert_accessible(page)
