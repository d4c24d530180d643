"""Appointments in the back office: the coordinator opens a partner's appointments on a stop, an
agent books one for a followed person at the bus door, the partner marks it honoured, and the
visit « sur rendez-vous » appears among the stop's visits; axe on each page."""

import datetime

import pytest
from django.utils import timezone

from allervers.bookings.models import Appointment, PartnerBookingDefaults
from allervers.core.roles import Role
from allervers.reception.enums import VisitMode
from allervers.reception.models import Visit
from tests.browser.conftest import assert_accessible, log_in
from tests.conftest import NOW
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory, StopFactory
from tests.reception.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_appointment_opened_booked_and_honoured_becomes_a_visit(
    live_server, browser, page, operator, make_member, clock
):
    mission = PartnerFactory(operator=operator, name="Mission locale")
    stop = StopFactory(
        operator=operator,
        date=timezone.localdate(),
        start_time=datetime.time(9),
        end_time=datetime.time(12),
        site__name="Place du Regain",
    )
    PartnerPresenceFactory(
        stop=stop, partner=mission, start_time=datetime.time(10), end_time=datetime.time(12)
    )
    PartnerBookingDefaults.objects.create(
        operator=operator, partner=mission, slot_minutes=45, desks=1
    )
    PersonFactory(operator=operator, first_name="Fatima", last_name="Benali")
    coordinator = make_member(operator, Role.COORDINATOR, first_name="Claire")
    agent = make_member(operator, Role.AGENT, first_name="Karim")
    partner_user = make_member(operator, Role.PARTNER, partner=mission, first_name="Inès")

    # The coordinator opens the partner's appointments from the stop's page.
    log_in(page, live_server.url, coordinator, f"/planning/permanences/{stop.pk}/")
    page.get_by_role("heading", name="Rendez-vous", exact=True).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Ouvrir des rendez-vous pour Mission locale").click()
    page.get_by_role("heading", name="Ouvrir des rendez-vous").wait_for()
    assert_accessible(page)
    assert page.get_by_label("Durée d'un rendez-vous (minutes)").input_value() == "45"
    assert page.get_by_label("Premier rendez-vous à").input_value() == "10:00"
    page.get_by_role("button", name="Ouvrir les rendez-vous").click()
    page.get_by_role("heading", name="Rendez-vous avec Mission locale").wait_for()
    assert_accessible(page)
    assert page.get_by_role("cell", name="10h45–11h30").is_visible()

    # An agent books 10:45 for a followed person who came to the bus door.
    agent_page = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    log_in(agent_page, live_server.url, agent, "/accueil/rendez-vous/")
    agent_page.get_by_role("heading", name="Rendez-vous", exact=True).wait_for()
    assert_accessible(agent_page)
    agent_page.get_by_role("link", name="Réserver le 10 juin avec Mission locale").click()
    agent_page.get_by_role("heading", name="Réserver un rendez-vous avec Mission locale").wait_for()
    assert_accessible(agent_page)
    agent_page.get_by_label("Créneau").select_option("10:45")
    agent_page.get_by_label("Nom ou prénom de la personne suivie").fill("benali")
    agent_page.get_by_role("button", name="Chercher").click()
    agent_page.get_by_label("Fatima BENALI").check()
    assert agent_page.get_by_label("Créneau").input_value() == "10:45"  # kept by the search
    assert_accessible(agent_page)
    agent_page.get_by_label("La personne accepte d'être contactée").check()
    agent_page.get_by_role("button", name="Réserver", exact=True).click()
    agent_page.get_by_text("Le rendez-vous est réservé.").wait_for()
    assert_accessible(agent_page)
    appointment = Appointment.objects.get()
    assert appointment.person.last_name == "Benali"

    # After the appointment, the partner marks it honoured.
    clock.move_to(NOW + datetime.timedelta(hours=1, minutes=30))
    partner_page = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    log_in(partner_page, live_server.url, partner_user, "/accueil/rendez-vous/")
    partner_page.get_by_role("heading", name="Rendez-vous", exact=True).wait_for()
    assert_accessible(partner_page)
    partner_page.get_by_role("link", name="Voir le rendez-vous de 10h45 le 10 juin").click()
    partner_page.get_by_role("link", name="Noter la présence").click()
    partner_page.get_by_role("heading", name="Présence au rendez-vous de 10h45").wait_for()
    assert_accessible(partner_page)
    partner_page.get_by_label("Venu(e) : le rendez-vous a eu lieu").check()
    partner_page.get_by_role("button", name="Enregistrer").click()
    partner_page.get_by_text("La présence est notée.").wait_for()
    assert_accessible(partner_page)

    # The visit is among the stop's visits of the day, once, « sur rendez-vous ».
    visit = Visit.objects.get()
    assert (visit.stop_id, visit.mode) == (stop.pk, VisitMode.APPOINTMENT)
    agent_page.goto(f"{live_server.url}/accueil/")
    agent_page.get_by_role("heading", name="Parties (1)").wait_for()
    assert_accessible(agent_page)
    agent_page.get_by_role("link", name="Détails de la visite arrivée à 10h45").click()
    agent_page.get_by_text("Sur rendez-vous").first.wait_for()
    assert_accessible(agent_page)
    for other in (agent_page, partner_page):
        other.context.close()
