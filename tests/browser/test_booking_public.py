"""A resident books online with JavaScript off: an appointment from the public page (then opens
the link of the confirmation and cancels), and a workshop seat; axe passes on every page.

axe is a script: it cannot run in the page without JavaScript. Each page the resident sees is
copied, as it is (after a POST too), into a twin page with JavaScript on, at the same origin
(same style sheet), where axe runs."""

import re

import icalendar
import pytest
from django.core import mail

from allervers.bookings.enums import AppointmentStatus, RegistrationStatus
from allervers.bookings.models import Appointment, Registration
from tests.bookings.factories import WorkshopFactory
from tests.browser.conftest import assert_accessible
from tests.browser.test_public import resident_page  # noqa: F401 — a phone without JavaScript
from tests.public.test_booking_pages import world  # noqa: F401 — the bookable stops

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def axe_twin(page, live_server):
    """Check the page a resident sees (without JavaScript) with axe, in a twin page."""

    def check(resident) -> None:
        page.goto(f"{live_server.url}/accessibilite/")
        page.set_content(resident.content())
        assert_accessible(page)

    return check


def test_a_resident_books_an_appointment_then_cancels_it_by_its_link(
    live_server,
    resident_page,  # noqa: F811
    world,  # noqa: F811
    settings,
    axe_twin,
    sms_outbox,
):
    settings.ALLERVERS_SITE_URL = live_server.url  # the links of the confirmation
    page = resident_page
    page.goto(f"{live_server.url}/ccas-test/")
    region = page.get_by_role("region", name="Prendre un rendez-vous")
    region.get_by_role("link", name="Prendre rendez-vous").click()

    page.get_by_role("heading", level=1, name="Prendre rendez-vous").wait_for()
    axe_twin(page)
    page.get_by_role("button", name="Continuer").click()  # nothing chosen: told so
    page.get_by_text("Choisissez avec qui vous voulez un rendez-vous").first.wait_for()
    axe_twin(page)
    page.get_by_role("group", name="Avec qui voulez-vous un rendez-vous ?").get_by_label(
        "Mission locale"
    ).check()
    page.get_by_role("button", name="Continuer").click()

    page.get_by_role("heading", level=1, name="Choisir le jour et le lieu").wait_for()
    axe_twin(page)
    page.get_by_label("Jeudi 11 juin, de 9 h à 12 h — Place du Regain").check()
    page.get_by_role("button", name="Continuer").click()

    page.get_by_role("heading", level=1, name="Choisir l'heure du rendez-vous").wait_for()
    axe_twin(page)
    slots = page.get_by_role("group", name="Mission locale — Jeudi 11 juin, Place du Regain")
    slots.get_by_label("de 9 h 30 à 10 h").check()
    page.get_by_label("Votre prénom").fill("Nadia")
    page.get_by_label("Votre numéro de téléphone").fill("06 12 34 56 78")
    page.get_by_label("Votre adresse électronique").fill("nadia@example.org")
    page.get_by_role("button", name="Réserver ce rendez-vous").click()  # no consent yet
    page.get_by_role("heading", name="Votre demande n'est pas encore envoyée").wait_for()
    assert "<title>Erreur" in page.content()
    axe_twin(page)
    assert not Appointment.objects.exists()
    page.get_by_label("J'accepte d'être contacté(e) pour ce rendez-vous").check()
    page.get_by_role("button", name="Réserver ce rendez-vous").click()

    page.get_by_role("heading", level=1, name="Votre rendez-vous est réservé").wait_for()
    axe_twin(page)
    text = page.inner_text("main")
    assert "Mission locale" in text and "de 9 h 30 à 10 h" in text and "03 21 00 00 00" in text
    appointment = Appointment.objects.get()
    assert appointment.phone == "+33612345678"
    # The confirmation e-mail: its calendar file parses and says when and where; its link is
    # the booking's page. One SMS too, without the partner's name.
    [message] = [sent for sent in mail.outbox if sent.to == ["nadia@example.org"]]
    [(name, content, kind)] = message.attachments
    assert name.endswith(".ics") and kind == "text/calendar"
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart").strftime("%H:%M") == "09:30"
    assert "Place du Regain" in str(event["location"]) or "Regain" in str(event["summary"])
    [(sms)] = sms_outbox()
    assert sms["to"] == "+33612345678" and "Mission locale" not in sms["text"]
    link = re.search(r"https?://\S+/reservation/\S+/", message.body).group(0)
    page.goto(link)  # the resident follows the e-mail's link

    page.get_by_role("heading", level=1, name="Votre rendez-vous").wait_for()
    axe_twin(page)
    page.get_by_role("link", name="Annuler le rendez-vous").click()
    page.get_by_role("heading", level=1, name="Annuler votre rendez-vous ?").wait_for()
    axe_twin(page)
    page.get_by_role("button", name="Oui, annuler").click()
    page.get_by_role("heading", level=1, name="Rendez-vous annulé").wait_for()
    axe_twin(page)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_a_resident_registers_to_a_workshop(
    live_server,
    resident_page,  # noqa: F811
    world,  # noqa: F811
    axe_twin,
):
    workshop = WorkshopFactory(stop=world["stops"]["week"], title="Atelier CV", capacity=8)
    page = resident_page
    page.goto(f"{live_server.url}/ccas-test/ateliers/{workshop.pk}/")
    page.get_by_role("heading", level=1, name="Atelier CV").wait_for()
    assert "Il reste 8 places." in page.inner_text("main")
    axe_twin(page)
    page.get_by_label("Votre prénom").fill("Karim")
    page.get_by_label("Votre adresse électronique").fill("karim@example")
    page.get_by_label("J'accepte d'être contacté(e) pour cet atelier").check()
    page.get_by_role("button", name="M'inscrire").click()
    page.get_by_role("heading", name="Votre demande n'est pas encore envoyée").wait_for()
    axe_twin(page)
    page.get_by_label("Votre adresse électronique").fill("karim@example.org")
    page.get_by_role("button", name="M'inscrire").click()
    page.get_by_role("heading", level=1, name="Votre place est réservée").wait_for()
    axe_twin(page)
    assert Registration.objects.get().status == RegistrationStatus.REGISTERED
    [message] = [sent for sent in mail.outbox if sent.to == ["karim@example.org"]]
    assert "Atelier CV" in message.body
    [(_name, content, _kind)] = message.attachments
    assert icalendar.Calendar.from_ical(content).walk("VEVENT")
