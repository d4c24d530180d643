"""The appointments' back-office pages: defaults, opening a stop, booking for someone, the lists,
the attendance. Each role sees what it may (a partner: its own organisation's only), every bad
input answers 400 in French with nothing saved, and a form sent twice saves once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.models import AccessLogEntry
from allervers.bookings.enums import AppointmentStatus, BookingSource
from allervers.bookings.models import Appointment, AppointmentOpening, PartnerBookingDefaults
from allervers.core.roles import Role
from allervers.planning.enums import CancelReason
from allervers.planning.services import stop_cancel
from allervers.reception.enums import VisitMode
from allervers.reception.models import Visit
from tests.bookings.factories import AppointmentFactory, AppointmentOpeningFactory
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory, StopFactory, future_stop
from tests.reception.factories import PersonFactory, VisitFactory
from tests.submissions.conftest import token_in

pytestmark = pytest.mark.django_db

T = datetime.time


@pytest.fixture
def partner(operator):
    return PartnerFactory(operator=operator, name="Mission locale")


@pytest.fixture
def partner_member(operator, make_member, partner):
    return make_member(operator, Role.PARTNER, partner=partner)


@pytest.fixture
def stop(operator, partner):
    stop = future_stop(operator=operator)
    PartnerPresenceFactory(stop=stop, partner=partner, start_time=T(10), end_time=T(12))
    return stop


@pytest.fixture
def opening(stop, partner):
    return AppointmentOpeningFactory(stop=stop, partner=partner, start_time=T(10), end_time=T(12))


@pytest.fixture
def todays(operator, partner):
    """Today's stop (9:00–12:00, the clock says 10:00) with the partner's 9:00 appointment."""
    stop = StopFactory(operator=operator, date=timezone.localdate())
    PartnerPresenceFactory(stop=stop, partner=partner)
    opening = AppointmentOpeningFactory(stop=stop, partner=partner)
    return AppointmentFactory(opening=opening, first_name="Nadia")


def url(name, **kwargs):
    return reverse(f"bookings:{name}", kwargs=kwargs)


# --- defaults -------------------------------------------------------------------------------


def test_a_partner_member_sets_its_own_defaults(client, partner_member, partner):
    client.force_login(partner_member)
    page = client.get(url("booking_settings"))
    assert "Mission locale" in text_of(page)
    response = client.post(url("booking_settings"), {"slot_minutes": "45", "desks": "2"})
    assert response.status_code == 302
    saved = PartnerBookingDefaults.objects.get()
    assert (saved.partner, saved.slot_minutes, saved.desks) == (partner, 45, 2)


def test_the_coordinator_sets_the_teams_and_a_partners_defaults(client, coordinator, partner):
    client.force_login(coordinator)
    assert "Mission locale" in text_of(client.get(url("booking_settings")))
    client.post(url("booking_settings"), {"slot_minutes": "20", "desks": "3"})
    target = url("partner_booking_settings", partner_id=partner.pk)
    client.post(target, {"slot_minutes": "45", "desks": "1"})
    assert set(PartnerBookingDefaults.objects.values_list("partner", "slot_minutes")) == {
        (None, 20),
        (partner.pk, 45),
    }
    page = client.get(reverse("partners:detail", kwargs={"partner_id": partner.pk}))
    assert "45 min" in text_of(page)


@pytest.mark.parametrize("data", [{"slot_minutes": "2", "desks": "1"}, {"slot_minutes": "x"}])
def test_bad_defaults_answer_400(client, coordinator, data):
    client.force_login(coordinator)
    response = client.post(url("booking_settings"), data)
    assert response.status_code == 400
    assert "minutes" in text_of(response)
    assert not PartnerBookingDefaults.objects.exists()


# --- opening a stop -------------------------------------------------------------------------


def test_the_coordinator_opens_a_partners_appointments_from_the_stop_page(
    client, coordinator, stop, partner
):
    PartnerBookingDefaults.objects.create(
        operator=stop.operator, partner=partner, slot_minutes=45, desks=2
    )
    client.force_login(coordinator)
    stop_page = client.get(reverse("planning:stop_detail", kwargs={"stop_id": stop.pk}))
    create = url("opening_create", stop_id=stop.pk)
    assert f"{create}?avec={partner.pk}" in stop_page.content.decode()
    form = client.get(f"{create}?avec={partner.pk}").content.decode()
    assert 'value="10:00"' in form and 'value="45"' in form
    data = {
        "who": str(partner.pk),
        "start_time": "10:00",
        "end_time": "12:00",
        "slot_minutes": "45",
        "desks": "2",
        "public_booking": "on",
        "submission_token": token_in(client.get(create)),
    }
    response = client.post(create, data)
    opening = AppointmentOpening.objects.get()
    assert response["Location"] == url("opening_detail", opening_id=opening.pk)
    assert (opening.partner, opening.slot_minutes, opening.desks) == (partner, 45, 2)
    again = client.post(create, data)  # the same form sent twice
    assert again.status_code == 303
    assert AppointmentOpening.objects.count() == 1


def test_the_coordinator_opens_the_bus_teams_appointments(client, coordinator, stop):
    client.force_login(coordinator)
    create = url("opening_create", stop_id=stop.pk)
    data = {"who": "equipe", "start_time": "09:00", "end_time": "12:00"}
    client.post(create, data | {"slot_minutes": "30", "desks": "1"})
    assert AppointmentOpening.objects.get().partner is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"slot_minutes": "2"}, "de 5 à 240 minutes"),
        ({"start_time": "08:00"}, "entre 10:00 et 12:00"),
        ({"end_time": "25:00"}, "Heure invalide"),
        ({"who": "999999"}, "Choisissez dans la liste"),
    ],
)
def test_bad_openings_answer_400(client, coordinator, stop, partner, fields, message):
    client.force_login(coordinator)
    data = {
        "who": str(partner.pk),
        "start_time": "10:00",
        "end_time": "12:00",
        "slot_minutes": "30",
        "desks": "1",
    } | fields
    response = client.post(url("opening_create", stop_id=stop.pk), data)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not AppointmentOpening.objects.exists()


def test_a_cancelled_stop_cannot_be_opened(client, coordinator, stop):
    stop_cancel(stop=stop, reason=CancelReason.OTHER, note="Panne", by=coordinator)
    client.force_login(coordinator)
    response = client.get(url("opening_create", stop_id=stop.pk))
    assert response.status_code == 302
    assert "annulée" in text_of(client.get(response["Location"]))


def test_a_partner_opens_for_its_own_presence_only(client, partner_member, stop, partner):
    client.force_login(partner_member)
    create = url("opening_create", stop_id=stop.pk)
    page = client.get(create)
    assert 'name="who"' not in page.content.decode()
    client.post(
        create,
        {"start_time": "10:00", "end_time": "12:00", "slot_minutes": "30", "desks": "1"},
    )
    assert AppointmentOpening.objects.get().partner == partner
    elsewhere = future_stop(operator=stop.operator, date=stop.date + datetime.timedelta(days=1))
    refused = client.get(url("opening_create", stop_id=elsewhere.pk))
    assert refused.status_code == 302
    assert "Déclarez d'abord votre présence" in text_of(client.get(refused["Location"]))


def test_change_and_close_from_the_pages(client, coordinator, opening):
    client.force_login(coordinator)
    edit = url("opening_edit", opening_id=opening.pk)
    AppointmentFactory(opening=opening, start_time=T(10), end_time=T(10, 30))
    data = {"start_time": "10:00", "end_time": "12:00", "slot_minutes": "45", "desks": "1"}
    refused = client.post(edit, data)
    assert refused.status_code == 400
    assert "ne tiendrait plus" in text_of(refused)
    closing = client.post(url("opening_close", opening_id=opening.pk))
    assert closing.status_code == 400
    assert "annulez-les" in text_of(closing)
    assert AppointmentOpening.objects.get().slot_minutes == 30


# --- who sees what --------------------------------------------------------------------------


def test_staff_see_names_and_a_partner_only_its_own(client, make_member, operator, opening):
    person = PersonFactory(operator=operator, first_name="Fatima", last_name="Benali")
    AppointmentFactory(opening=opening, person=person, first_name="")
    other_partner_opening = AppointmentOpeningFactory(
        stop=opening.stop, partner=PartnerFactory(operator=operator)
    )
    team_opening = AppointmentOpeningFactory(
        stop=future_stop(operator=operator, date=opening.stop.date + datetime.timedelta(days=1))
    )
    AppointmentFactory(opening=other_partner_opening, first_name="Autrepartenaire")
    agent = make_member(operator, Role.AGENT)
    client.force_login(agent)
    page = text_of(client.get(url("opening_detail", opening_id=opening.pk)))
    assert "Fatima BENALI" in page
    assert AccessLogEntry.objects.filter(action=Action.PERSON_VIEWED, person_id=person.pk).exists()
    listing = text_of(client.get(url("appointment_list")))
    assert "Fatima BENALI" in listing and "Autrepartenaire" in listing

    member = make_member(operator, Role.PARTNER, partner=opening.partner)
    client.force_login(member)
    listing = text_of(client.get(url("appointment_list")))
    assert "Fatima BENALI" in listing and "Autrepartenaire" not in listing
    for foreign in (other_partner_opening, team_opening):
        assert client.get(url("opening_detail", opening_id=foreign.pk)).status_code == 404
    foreign_appointment = other_partner_opening.appointments.get()
    for name in ("appointment_detail", "appointment_attendance"):
        response = client.get(url(name, appointment_id=foreign_appointment.pk))
        assert response.status_code == 404
    stop_page = text_of(
        client.get(reverse("planning:stop_detail", kwargs={"stop_id": opening.stop_id}))
    )
    assert opening.partner.name in stop_page
    assert other_partner_opening.partner.name not in stop_page.split("Rendez-vous", 1)[1]


def test_past_appointments_are_listed_apart(client, agent, todays, opening):
    client.force_login(agent)
    todays.opening.stop.date -= datetime.timedelta(days=1)
    todays.opening.stop.save()
    assert "Nadia" not in text_of(client.get(url("appointment_list")))
    assert "Nadia" in text_of(client.get(url("appointment_list") + "?quand=passes"))


def test_the_list_does_bounded_work(client, agent, opening, django_assert_max_num_queries):
    client.force_login(agent)
    AppointmentFactory.create_batch(2, opening=opening)
    with django_assert_max_num_queries(20):
        client.get(url("appointment_list"))
    others = [
        AppointmentOpeningFactory(
            stop=future_stop(
                operator=opening.operator, date=opening.stop.date + datetime.timedelta(days=n)
            )
        )
        for n in range(1, 6)
    ]
    for other in others:
        AppointmentFactory.create_batch(3, opening=other)
    with django_assert_max_num_queries(20):
        client.get(url("appointment_list"))


# --- booking for someone --------------------------------------------------------------------


def _book(client, opening, **fields):
    page = url("appointment_book", opening_id=opening.pk)
    data = {
        "action": "reserver",
        "start_time": "10:00",
        "submission_token": token_in(client.get(page)),
    }
    return client.post(page, data | fields)


def test_an_agent_books_for_a_followed_person_found_by_name(client, agent, opening, operator):
    person = PersonFactory(operator=operator, first_name="Fatima", last_name="Benali")
    PersonFactory(operator=operator, first_name="Fatou", last_name="Sans", consent_purpose=None)
    client.force_login(agent)
    page = url("appointment_book", opening_id=opening.pk)
    found = client.post(page, {"action": "chercher", "query": "fat"})
    assert found.status_code == 200
    assert "Fatima BENALI" in text_of(found) and "SANS" not in text_of(found)
    assert "fat" not in found.request["PATH_INFO"]
    response = _book(client, opening, person=str(person.pk), contact_consent="on", phone="")
    appointment = Appointment.objects.get()
    assert response["Location"] == url("appointment_detail", appointment_id=appointment.pk)
    assert (appointment.person, appointment.source) == (person, BookingSource.AGENT)


def test_an_agent_books_for_a_contact_only(client, agent, opening):
    client.force_login(agent)
    response = _book(
        client, opening, first_name="Nadia", phone="06 12 34 56 78", contact_consent="on"
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.phone, appointment.contact_consent) == ("+33612345678", True)
    assert appointment.created_by == agent


def test_the_same_booking_sent_twice_is_saved_once(client, agent, opening):
    client.force_login(agent)
    page = url("appointment_book", opening_id=opening.pk)
    data = {
        "action": "reserver",
        "start_time": "10:00",
        "first_name": "Nadia",
        "submission_token": token_in(client.get(page)),
    }
    assert client.post(page, data).status_code == 302
    assert client.post(page, data).status_code == 303
    assert Appointment.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"first_name": ""}, "prénom"),
        ({"phone": "12"}, "numéro"),
        ({"start_time": "10:10"}, "plus libre"),
        ({"person": "999999"}, "consentement"),
    ],
)
def test_bad_bookings_answer_400(client, agent, opening, fields, message):
    client.force_login(agent)
    response = _book(client, opening, **({"first_name": "Nadia"} | fields))
    assert response.status_code == 400
    assert message in text_of(response)
    assert not Appointment.objects.exists()


def test_a_person_without_consent_cannot_be_booked(client, agent, opening, operator):
    person = PersonFactory(operator=operator, consent_purpose=None)
    client.force_login(agent)
    response = _book(client, opening, person=str(person.pk))
    assert response.status_code == 400
    assert "consentement" in text_of(response)
    assert not Appointment.objects.exists()


def test_a_full_slot_is_refused(client, agent, opening):
    AppointmentFactory(opening=opening, start_time=T(10), end_time=T(10, 30))
    client.force_login(agent)
    response = _book(client, opening, first_name="Nadia")
    assert response.status_code == 400
    assert Appointment.objects.count() == 1


def test_past_slots_and_cancelled_stops_take_no_booking(client, agent, coordinator, todays):
    client.force_login(agent)
    opening = todays.opening
    response = _book(client, opening, first_name="Nadia", start_time="09:30")
    assert response.status_code == 400  # 9:30 has begun: not offered
    stop_cancel(stop=opening.stop, reason=CancelReason.OTHER, note="Panne", by=coordinator)
    response = _book(client, opening, first_name="Nadia", start_time="11:00")
    assert response.status_code == 400
    assert Appointment.objects.count() == 1


def test_an_agent_cancels_and_moves(client, agent, opening):
    appointment = AppointmentFactory(opening=opening, start_time=T(10), end_time=T(10, 30))
    client.force_login(agent)
    move = url("appointment_move", appointment_id=appointment.pk)
    target = f"{opening.pk}-1100"
    assert target in client.get(move).content.decode()
    assert client.post(move, {"target": target}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.start_time == T(11)
    assert client.post(move, {"target": "nothing"}).status_code == 400
    cancel = url("appointment_cancel", appointment_id=appointment.pk)
    assert client.post(cancel, {"confirmed": "on"}).status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    again = client.post(cancel, {"confirmed": "on"})
    assert again.status_code == 400
    assert "déjà annulée" in text_of(again)


# --- attendance -----------------------------------------------------------------------------


def test_the_partner_marks_honoured_and_the_stop_has_one_visit(client, partner_member, todays):
    client.force_login(partner_member)
    attendance = url("appointment_attendance", appointment_id=todays.pk)
    assert client.get(attendance).status_code == 200
    data = {"status": "honoured", "visit": "nouvelle", "shown_status": "booked"}
    assert client.post(attendance, data).status_code == 302
    assert client.post(attendance, data).status_code == 302  # sent twice: one visit
    visit = Visit.objects.get()
    assert (visit.stop, visit.mode) == (todays.opening.stop, VisitMode.APPOINTMENT)
    todays.refresh_from_db()
    assert todays.visit == visit


def test_the_partner_links_the_agents_visit(client, partner_member, todays, operator):
    visit = VisitFactory(
        operator=operator,
        stop=todays.opening.stop,
        person=PersonFactory(operator=operator, first_name="Secret", last_name="Nom"),
    )
    client.force_login(partner_member)
    attendance = url("appointment_attendance", appointment_id=todays.pk)
    page = text_of(client.get(attendance))
    assert "personne suivie" in page and "Secret" not in page  # no other person's name
    client.post(
        attendance, {"status": "honoured", "visit": str(visit.pk), "shown_status": "booked"}
    )
    assert Visit.objects.count() == 1
    todays.refresh_from_db()
    assert todays.visit == visit


def test_attendance_before_the_appointment_is_refused(client, partner_member, opening):
    appointment = AppointmentFactory(opening=opening)
    client.force_login(partner_member)
    attendance = url("appointment_attendance", appointment_id=appointment.pk)
    assert "pas encore commencé" in text_of(client.get(attendance))
    response = client.post(attendance, {"status": "honoured", "shown_status": "booked"})
    assert response.status_code == 400
    assert "pas encore commencé" in text_of(response)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_attendance_on_a_cancelled_appointment_is_refused(client, agent, todays):
    todays.status = AppointmentStatus.CANCELLED
    todays.save()
    client.force_login(agent)
    response = client.post(
        url("appointment_attendance", appointment_id=todays.pk),
        {"status": "honoured", "shown_status": "cancelled"},
    )
    assert response.status_code == 400
    assert "annulé" in text_of(response)
    assert not Visit.objects.exists()


def test_a_stale_attendance_is_refused(client, agent, todays):
    client.force_login(agent)
    attendance = url("appointment_attendance", appointment_id=todays.pk)
    client.post(attendance, {"status": "excused", "shown_status": "booked"})
    response = client.post(attendance, {"status": "no_show", "shown_status": "booked"})
    assert response.status_code == 400
    assert "modifié entre-temps" in text_of(response)
    todays.refresh_from_db()
    assert todays.status == AppointmentStatus.EXCUSED


def test_the_list_shows_one_day(client, agent, opening, todays):
    AppointmentFactory(opening=opening, first_name="Semaineprochaine")
    client.force_login(agent)
    today = text_of(client.get(url("appointment_list") + f"?jour={timezone.localdate():%Y-%m-%d}"))
    assert "Nadia" in today and "Semaineprochaine" not in today
    wrong = client.get(url("appointment_list") + "?jour=hier")
    assert wrong.status_code == 400
    assert "Date invalide" in text_of(wrong)
