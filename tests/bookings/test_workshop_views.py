"""The workshops' back office: each page, each refusal in French (400, nothing saved), the
waiting list moving up, attendance, partners reading without names, another operator's 404."""

import datetime

import pytest
from django.urls import reverse

from allervers.bookings import workshop_views
from allervers.bookings.enums import Attendance, BookingSource, RegistrationStatus
from allervers.bookings.models import Registration, Workshop
from allervers.core.roles import Role
from allervers.planning.enums import CancelReason, SpaceKind, StopStatus
from allervers.reception.enums import ConsentPurpose
from tests.bookings.factories import RegistrationFactory, WorkshopFactory
from tests.html import text_of
from tests.planning.factories import SpaceFactory, StopFactory, future_stop
from tests.reception.factories import PersonFactory

pytestmark = pytest.mark.django_db

NINE, ELEVEN, NOON = datetime.time(9), datetime.time(11), datetime.time(12)


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


@pytest.fixture
def stop(operator):
    return future_stop(operator=operator, start_time=NINE, end_time=NOON)


def url(name: str, **kwargs) -> str:
    return reverse(f"bookings:{name}", kwargs=kwargs)


def workshop_data(at, **fields) -> dict:
    return {
        "stop": at.pk,
        "title": "Atelier CV",
        "start_time": "09:00",
        "end_time": "11:00",
        "capacity": "",
        "public_registration": "on",
        **fields,
    }


def test_an_agent_creates_a_workshop_with_the_cyber_ateliers_seats(agent_client, stop):
    SpaceFactory(operator=stop.operator, vehicle=stop.vehicle, kind=SpaceKind.CYBER, capacity=6)
    page = agent_client.get(url("workshop_create") + f"?permanence={stop.pk}")
    assert page.status_code == 200
    assert "cyber@atelier" in text_of(page)
    response = agent_client.post(url("workshop_create"), workshop_data(stop))
    workshop = Workshop.objects.get()
    assert response["Location"] == url("workshop_detail", workshop_id=workshop.pk)
    assert (workshop.capacity, workshop.public_registration) == (6, True)
    page = text_of(agent_client.get(response["Location"]))
    assert "0 inscrite(s) sur 6" in page and "6 place(s) restante(s)" in page


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"capacity": "0"}, "Un atelier a au moins une place."),
        ({"capacity": "beaucoup"}, "Indiquez un nombre de places."),
        ({"start_time": "08:00"}, "L'atelier doit tenir dans les horaires de la permanence"),
        ({"end_time": "12:30"}, "L'atelier doit tenir dans les horaires de la permanence"),
        ({"end_time": "08:30"}, "L'heure de fin doit être après l'heure de début."),
        ({"start_time": "9h"}, "Heure invalide."),
        ({"title": ""}, "Indiquez l'intitulé de l'atelier."),
        ({"stop": "999999"}, "Choisissez une permanence à venir de la liste."),
        ({"topic": "999999"}, "Choisissez une thématique de la liste."),
    ],
)
def test_bad_input_is_refused_in_french(agent_client, stop, fields, message):
    response = agent_client.post(url("workshop_create"), workshop_data(stop, **fields))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Workshop.objects.exists()


def test_a_cancelled_past_or_foreign_stop_is_not_offered(agent_client, operator, other_operator):
    cancelled = future_stop(
        operator=operator, status=StopStatus.CANCELLED, cancel_reason=CancelReason.BREAKDOWN
    )
    past = StopFactory(operator=operator, date=datetime.date(2026, 6, 1))
    foreign = future_stop(operator=other_operator)
    for stop in (cancelled, past, foreign):
        response = agent_client.post(url("workshop_create"), workshop_data(stop))
        assert response.status_code == 400
        assert "Choisissez une permanence à venir de la liste." in text_of(response)
    # Today's stop is offered, but not for hours already gone.
    today = StopFactory(operator=operator, date=datetime.date(2026, 6, 10))
    response = agent_client.post(url("workshop_create"), workshop_data(today))
    assert response.status_code == 400
    assert "Cet horaire est passé" in text_of(response)
    assert not Workshop.objects.exists()


def test_edit_refuses_fewer_seats_than_registered(agent_client, stop):
    workshop = WorkshopFactory(stop=stop, capacity=3)
    RegistrationFactory.create_batch(2, workshop=workshop)
    edit = url("workshop_edit", workshop_id=workshop.pk)
    assert agent_client.get(edit).status_code == 200
    data = workshop_data(stop, capacity="1")
    response = agent_client.post(edit, data)
    assert response.status_code == 400
    assert "2 personnes sont déjà inscrites" in text_of(response)
    response = agent_client.post(edit, workshop_data(stop, capacity="", title="CV"))
    assert "Indiquez le nombre de places." in text_of(response)
    response = agent_client.post(edit, workshop_data(stop, capacity="5", title="Atelier lettre"))
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert (workshop.capacity, workshop.title) == (5, "Atelier lettre")


def test_cancel_a_workshop_cancels_its_registrations(agent_client, stop):
    workshop = WorkshopFactory(stop=stop, capacity=1)
    RegistrationFactory(workshop=workshop)
    RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITING)
    cancel = url("workshop_cancel", workshop_id=workshop.pk)
    assert "1 personne(s) inscrite(s) et les 1 en attente" in text_of(agent_client.get(cancel))
    response = agent_client.post(cancel)
    assert response.status_code == 302
    page = text_of(agent_client.get(response["Location"]))
    assert "2 personne(s) inscrite(s) ou en attente sont prévenues" in page
    assert "Cet atelier est annulé" in page
    assert not workshop.registrations.exclude(status=RegistrationStatus.CANCELLED).exists()
    # Cancelled: no more change.
    assert agent_client.get(cancel).status_code == 302
    assert agent_client.get(url("workshop_edit", workshop_id=workshop.pk)).status_code == 302


def test_the_list_shows_upcoming_and_past_workshops(
    agent_client, operator, django_assert_max_num_queries
):
    WorkshopFactory(stop=future_stop(operator=operator), title="Creative lab")
    WorkshopFactory(
        stop=StopFactory(operator=operator, date=datetime.date(2026, 5, 1)), title="Atelier passé"
    )
    page = text_of(agent_client.get(url("workshop_list")))
    upcoming, past = page.split("<h2>Passés</h2>")
    assert "Creative lab" in upcoming and "Atelier passé" in past
    for _ in range(10):
        RegistrationFactory(workshop=WorkshopFactory(stop=future_stop(operator=operator)))
    with django_assert_max_num_queries(15):
        assert agent_client.get(url("workshop_list")).status_code == 200
    assert "Page 1 sur" not in text_of(agent_client.get(url("workshop_list")))


def test_the_upcoming_workshops_come_by_pages(agent_client, operator, monkeypatch):
    monkeypatch.setattr(workshop_views, "PER_PAGE", 2)
    for day in range(1, 6):
        WorkshopFactory(stop=future_stop(operator=operator, date=datetime.date(2026, 6, 10 + day)))
    page = text_of(agent_client.get(url("workshop_list") + "?page=3"))
    assert "Page 3 sur 3" in page and "Page précédente" in page
    assert agent_client.get(url("workshop_list") + "?page=nimporte").status_code == 200


def test_registering_fills_the_seats_then_the_waiting_list_and_a_cancel_promotes(
    agent_client, stop
):
    workshop = WorkshopFactory(stop=stop, capacity=2)
    register = url("registration_create", workshop_id=workshop.pk)
    for n, name in enumerate(["Nadia", "Karim", "Lucie"]):
        data = {"first_name": name, "phone": f"06 12 34 56 7{n}", "contact_consent": "on"}
        assert agent_client.post(register, data).status_code == 302
    page = text_of(agent_client.get(url("workshop_detail", workshop_id=workshop.pk)))
    assert "Lucie est sur la liste d'attente" in page
    waiting = page.split("Liste d'attente (1)")[1]
    assert "Lucie" in waiting and "Nadia" not in waiting
    nadia = Registration.objects.get(first_name="Nadia")
    assert nadia.source == BookingSource.AGENT and nadia.phone == "+33612345670"
    cancel = url("registration_cancel", registration_id=nadia.pk)
    assert agent_client.get(cancel).status_code == 200
    response = agent_client.post(cancel)
    page = text_of(agent_client.get(response["Location"]))
    assert "Lucie passe de la liste d'attente à une place" in page
    assert Registration.objects.get(first_name="Lucie").status == RegistrationStatus.REGISTERED
    # Cancelling again: refused in French.
    response = agent_client.post(cancel)
    assert response.status_code == 400
    assert "Cette réservation est déjà annulée." in text_of(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"first_name": ""}, "Indiquez au moins le prénom de la personne."),
        ({"first_name": "Nadia", "phone": "12"}, "Ce numéro de téléphone n'est pas valide."),
        (
            {"first_name": "Nadia", "email": "nadia@"},
            "Cette adresse électronique n'est pas valide.",
        ),
    ],
)
def test_bad_contact_is_refused(agent_client, stop, data, message):
    workshop = WorkshopFactory(stop=stop)
    response = agent_client.post(url("registration_create", workshop_id=workshop.pk), data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Registration.objects.exists()


def test_a_consenting_person_is_found_by_post_and_registered(agent_client, operator, stop):
    workshop = WorkshopFactory(stop=stop)
    person = PersonFactory(operator=operator, first_name="Fatima", last_name="Benali", phone="")
    reminders = PersonFactory(
        operator=operator, last_name="Benoit", consent_purpose=ConsentPurpose.REMINDERS
    )
    PersonFactory(operator=operator, last_name="Bensaid", consent_purpose=None)
    register = url("registration_create", workshop_id=workshop.pk)
    page = text_of(agent_client.post(register, {"query": "ben"}))
    assert "BENALI" in page and "BENOIT" in page and "BENSAID" not in page
    assert agent_client.post(register, {"query": "b"}).status_code == 400
    assert agent_client.post(register, {"person": person.pk}).status_code == 302
    assert agent_client.post(register, {"person": reminders.pk}).status_code == 302
    by_person = {r.person_id: r for r in Registration.objects.all()}
    assert by_person[person.pk].contact_consent is False
    assert by_person[reminders.pk].contact_consent is True
    assert by_person[reminders.pk].phone == "+33612345678"
    response = agent_client.post(register, {"person": person.pk})
    assert response.status_code == 400
    assert "Ces coordonnées sont déjà inscrites à cet atelier." in text_of(response)


def test_a_person_without_consent_or_of_another_operator_is_refused(
    agent_client, operator, other_operator, stop
):
    workshop = WorkshopFactory(stop=stop)
    register = url("registration_create", workshop_id=workshop.pk)
    for person in (
        PersonFactory(operator=operator, consent_purpose=None),
        PersonFactory(operator=other_operator),
    ):
        response = agent_client.post(register, {"person": person.pk})
        assert response.status_code == 400
        assert "Cette personne n'est pas suivie" in text_of(response)
    assert not Registration.objects.exists()


def test_attendance_only_after_the_start(agent_client, operator):
    today = StopFactory(operator=operator, date=datetime.date(2026, 6, 10))  # 10:00 now
    later = WorkshopFactory(stop=today, start_time=ELEVEN, end_time=NOON)
    response = agent_client.post(
        url("registration_attendance", registration_id=RegistrationFactory(workshop=later).pk),
        {"attendance": "present"},
    )
    assert response.status_code == 400
    assert "La présence se note une fois l'atelier commencé." in text_of(response)
    begun = WorkshopFactory(stop=today, start_time=NINE, end_time=ELEVEN)
    registration = RegistrationFactory(workshop=begun)
    attendance = url("registration_attendance", registration_id=registration.pk)
    page = text_of(agent_client.get(url("workshop_detail", workshop_id=begun.pk)))
    assert "Présence" in page and "Inscrire quelqu'un" not in page
    assert agent_client.post(attendance, {"attendance": "absent"}).status_code == 302
    registration.refresh_from_db()
    assert registration.attendance == Attendance.ABSENT
    response = agent_client.post(attendance, {"attendance": "peut-être"})
    assert response.status_code == 400
    assert "Choisissez présent ou absent." in text_of(response)
    assert agent_client.get(attendance).status_code == 302


def test_a_partner_reads_the_workshops_without_names(client, operator, make_member, stop):
    workshop = WorkshopFactory(stop=stop, title="Creative lab", capacity=3)
    RegistrationFactory(workshop=workshop, first_name="Nadia")
    client.force_login(make_member(operator, Role.PARTNER))
    assert "Creative lab" in text_of(client.get(url("workshop_list")))
    page = text_of(client.get(url("workshop_detail", workshop_id=workshop.pk)))
    assert "1 inscrite(s) sur 3" in page and "Nadia" not in page
    assert client.post(url("registration_create", workshop_id=workshop.pk)).status_code == 403


def test_another_operators_workshop_is_404(agent_client, other_operator):
    workshop = WorkshopFactory(stop=future_stop(operator=other_operator))
    registration = RegistrationFactory(workshop=workshop)
    for name in ("workshop_detail", "workshop_edit", "workshop_cancel", "registration_create"):
        assert agent_client.get(url(name, workshop_id=workshop.pk)).status_code == 404
    for name in ("registration_cancel", "registration_attendance"):
        assert agent_client.post(url(name, registration_id=registration.pk)).status_code == 404
    assert (
        agent_client.post(url("workshop_create"), workshop_data(workshop.stop)).status_code == 400
    )
