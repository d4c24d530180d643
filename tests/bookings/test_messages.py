"""The messages of a booking: an e-mail (with its .ics) and an SMS per event, each sent once,
only to people who accepted to be contacted, on the channels they have; no partner or theme in
an SMS."""

import datetime
import re

import pytest
from django.core import mail
from icalendar import Calendar

from allervers.bookings import links
from allervers.bookings.enums import MessageChannel, MessageStatus
from allervers.bookings.models import BookingMessage
from allervers.bookings.services import appointments, contacts, workshops
from allervers.bookings.tasks import send_booking_messages
from allervers.bookings.texts import gsm7_length, in_gsm7, is_gsm7
from allervers.planning.enums import SpaceKind
from tests.bookings.factories import AppointmentFactory, RegistrationFactory, WorkshopFactory
from tests.partners.factories import PartnerFactory
from tests.planning.factories import PartnerPresenceFactory, SpaceFactory, future_stop

pytestmark = pytest.mark.django_db

NINE_THIRTY = datetime.time(9, 30)
PARTNER = "Mission Locale Confidentielle"
WORKSHOP = "Atelier dettes et surendettement"


@pytest.fixture
def stop(operator):
    operator.email = "bus@ccas.example"
    operator.save()
    stop = future_stop(operator=operator, site__name="Place du Regain")
    SpaceFactory(operator=operator, vehicle=stop.vehicle, kind=SpaceKind.OFFICE, capacity=2)
    return stop


@pytest.fixture
def opening(stop):
    partner = PartnerFactory(operator=stop.operator, name=PARTNER)
    PartnerPresenceFactory(operator=stop.operator, stop=stop, partner=partner)
    return appointments.opening_create(stop=stop, partner=partner, slot_minutes=30)


def contact(**fields) -> contacts.Contact:
    values = {
        "first_name": "Nadia",
        "phone": "06 12 34 56 78",
        "email": "nadia@example.org",
        "contact_consent": True,
    }
    values.update(fields)
    return contacts.Contact(**values)


def book(opening, django_capture_on_commit_callbacks, **fields):
    with django_capture_on_commit_callbacks(execute=True):
        return appointments.appointment_book(
            opening=opening, start_time=NINE_THIRTY, contact=contact(**fields)
        )


def booking_linked(text: str):
    """The booking the message's link (to cancel or move) opens, or None without a link."""
    short = re.search(r"/reservation/c/([^/\s]+)/", text)  # an SMS's short link
    if short:
        return links.booking_from_short_code(short.group(1))
    found = re.search(r"/reservation/([^/\s]+)/", text)
    return links.booking_from_token(found.group(1)) if found else None


def ics_of(message) -> Calendar:
    [(name, content, mimetype)] = message.attachments
    assert name.endswith(".ics") and mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_a_booking_sends_one_e_mail_with_its_ics_and_one_sms(
    opening, django_capture_on_commit_callbacks, sms_outbox
):
    appointment = book(opening, django_capture_on_commit_callbacks)
    [message] = mail.outbox
    assert message.to == ["nadia@example.org"]
    assert message.reply_to == ["bus@ccas.example"]
    assert "rendez-vous" in message.subject
    assert booking_linked(message.body) == appointment
    assert "03 21 00 00 00" in message.body  # the operator's phone
    assert "Bonjour Nadia" in message.body and PARTNER in message.body
    assert "Quand : le mercredi 17 juin 2026 à 9h30" in message.body
    calendar = ics_of(message)
    assert calendar["METHOD"] == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"appointment-{appointment.pk}@ccas-test.allervers"
    start = event.decoded("DTSTART")
    assert (start.date(), start.time()) == (opening.stop.date, NINE_THIRTY)
    assert str(start.tzinfo) == "Europe/Paris"
    assert event["DTSTART"].params["TZID"] == "Europe/Paris"
    assert event.decoded("DTEND").time() == datetime.time(10, 0)
    assert "Place du Regain" in str(event["LOCATION"])
    assert str(event["SUMMARY"]).startswith(f"Rendez-vous avec {PARTNER} — bus de CCAS de test")
    assert calendar.walk("VTIMEZONE")
    [sms] = sms_outbox()
    assert sms["to"] == "+33612345678"
    assert sms["text"].startswith("Rendez-vous au bus de CCAS de test le ")
    assert "9h30, Place du Regain" in sms["text"]
    assert booking_linked(sms["text"]) == appointment
    assert "Pour annuler : http://" in sms["text"]
    assert len(sms["text"]) <= 160  # one SMS, link included
    rows = BookingMessage.objects.filter(booking_id=appointment.pk, booking_kind="appointment")
    assert sorted(rows.values_list("channel", "status")) == [
        (MessageChannel.EMAIL, MessageStatus.SENT),
        (MessageChannel.SMS, MessageStatus.SENT),
    ]


def test_a_task_run_twice_sends_each_message_once(
    opening, django_capture_on_commit_callbacks, sms_outbox
):
    appointment = book(opening, django_capture_on_commit_callbacks)
    for _ in range(2):  # a retry, or the same task enqueued twice
        assert send_booking_messages.call("appointment", appointment.pk, "appointment_booked") == {}
        send_booking_messages.enqueue("appointment", appointment.pk, "appointment_booked")
    assert len(mail.outbox) == 1
    assert len(sms_outbox()) == 1
    assert BookingMessage.objects.filter(booking_id=appointment.pk).count() == 2


def test_nothing_is_sent_without_consent_and_only_on_the_channels_there_are(
    opening, django_capture_on_commit_callbacks, sms_outbox
):
    book(opening, django_capture_on_commit_callbacks, contact_consent=False)
    assert mail.outbox == [] and sms_outbox() == []
    assert set(BookingMessage.objects.values_list("status", flat=True)) == {MessageStatus.SKIPPED}
    BookingMessage.objects.all().delete()
    # A landline cannot receive an SMS; no e-mail address, no e-mail.
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_book(
            opening=opening,
            start_time=datetime.time(10),
            contact=contact(first_name="Paul", phone="03 21 45 67 89", email=""),
        )
    assert mail.outbox == [] and sms_outbox() == []
    assert dict(BookingMessage.objects.values_list("channel", "error")) == {
        MessageChannel.EMAIL: "Pas d'adresse électronique.",
        MessageChannel.SMS: "Pas de numéro de mobile.",
    }


def test_a_cancellation_removes_the_same_event_from_the_calendar(
    opening, django_capture_on_commit_callbacks, sms_outbox
):
    appointment = book(opening, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_cancel(appointment)
    booked, cancelled = mail.outbox
    assert "annulé" in cancelled.subject
    assert "bien annulé" in cancelled.body
    assert booking_linked(cancelled.body) is None
    calendar = ics_of(cancelled)
    assert calendar["METHOD"] == "CANCEL"
    [event] = calendar.walk("VEVENT")
    [first] = ics_of(booked).walk("VEVENT")
    assert event["UID"] == first["UID"]
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] > first["SEQUENCE"]
    assert "est annulé" in sms_outbox()[-1]["text"]


def test_cancelled_by_the_team_says_so(
    opening, django_capture_on_commit_callbacks, coordinator, sms_outbox
):
    appointment = book(opening, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_cancel(appointment, by=coordinator)
    assert "l'équipe du bus a dû annuler" in mail.outbox[-1].body
    assert "annule votre rendez-vous" in sms_outbox()[-1]["text"]


def test_each_move_sends_its_own_message_with_the_new_link(
    opening, django_capture_on_commit_callbacks, sms_outbox
):
    appointment = book(opening, django_capture_on_commit_callbacks)
    for start in (datetime.time(10), datetime.time(10, 30)):
        with django_capture_on_commit_callbacks(execute=True):
            appointment = appointments.appointment_move(
                appointment, opening=opening, start_time=start
            )
        assert "changé" in mail.outbox[-1].subject
        assert booking_linked(mail.outbox[-1].body).start_time == start
        assert ics_of(mail.outbox[-1])["METHOD"] == "REQUEST"
        # The same move's task again: nothing more.
        send_booking_messages.enqueue("appointment", appointment.pk, "appointment_moved")
    assert len(mail.outbox) == 3 and len(sms_outbox()) == 3
    assert "10h30" in sms_outbox()[-1]["text"]
    with pytest.raises(links.LinkRefused):  # the first message's link is revoked by the moves
        booking_linked(mail.outbox[0].body)


def test_the_waiting_list_and_the_promotion_are_told(
    stop, django_capture_on_commit_callbacks, sms_outbox
):
    workshop = WorkshopFactory(stop=stop, operator=stop.operator, capacity=1, title=WORKSHOP)
    with django_capture_on_commit_callbacks(execute=True):
        first = workshops.registration_create(workshop=workshop, contact=contact())
        workshops.registration_create(
            workshop=workshop,
            contact=contact(first_name="Paul", phone="06 98 76 54 32", email="paul@example.org"),
        )
    placed, waiting = mail.outbox
    assert WORKSHOP in placed.body and ics_of(placed)["METHOD"] == "REQUEST"
    assert "liste d'attente" in waiting.subject and waiting.attachments == []
    with django_capture_on_commit_callbacks(execute=True):
        workshops.registration_cancel(first)
    promoted = [m for m in mail.outbox if m.to == ["paul@example.org"]][-1]
    assert "place s'est libérée" in promoted.subject
    assert ics_of(promoted)["METHOD"] == "REQUEST"
    assert sms_outbox()[-1]["to"] == "+33698765432"
    assert sms_outbox()[-1]["text"].startswith("Une place s'est libérée")


def test_no_sms_names_the_partner_the_theme_or_the_workshop(
    opening, stop, django_capture_on_commit_callbacks, coordinator, sms_outbox
):
    appointment = book(opening, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        appointment = appointments.appointment_move(
            appointment, opening=opening, start_time=datetime.time(10)
        )
    with django_capture_on_commit_callbacks(execute=True):
        appointments.appointment_cancel(appointment, by=coordinator)
    workshop = WorkshopFactory(stop=stop, operator=stop.operator, capacity=1, title=WORKSHOP)
    registration = RegistrationFactory(workshop=workshop, operator=stop.operator)
    for event in ("registration_booked", "reminder", "stop_moved", "registration_cancelled"):
        send_booking_messages.enqueue("registration", registration.pk, event, "d")
    texts = [sms["text"] for sms in sms_outbox()]
    assert len(texts) == 7
    for text in texts:
        assert PARTNER not in text and "Mission" not in text
        assert WORKSHOP not in text and "dettes" not in text and "atelier" not in text.lower()
    assert PARTNER in mail.outbox[0].body  # the e-mail, read by the person, may say it


def test_an_sms_without_a_link_fits_one_gsm_message():
    stop = future_stop(site__name="Mairie")
    appointment = AppointmentFactory(
        opening__stop=stop, operator=stop.operator, start_time=datetime.time(9, 30)
    )
    from allervers.bookings import messages

    for name in ("cancelled", "cancelled_by_team", "stop_cancelled"):
        text = messages.sms_text(messages.message_context(appointment, name))
        assert gsm7_length(text) is not None and gsm7_length(text) <= 160, text


def test_a_failing_sms_is_recorded_and_never_retried_by_a_second_run(
    opening, django_capture_on_commit_callbacks, settings, sms_outbox
):
    settings.ALLERVERS_SMS_BACKEND = "brevo"
    settings.ALLERVERS_SMS_BREVO_API_KEY = ""
    appointment = book(opening, django_capture_on_commit_callbacks)
    row = BookingMessage.objects.get(channel=MessageChannel.SMS)
    assert row.status == MessageStatus.FAILED
    assert "ALLERVERS_SMS_BREVO_API_KEY" in row.error
    settings.ALLERVERS_SMS_BACKEND = "file"
    send_booking_messages.enqueue("appointment", appointment.pk, "appointment_booked")
    assert sms_outbox() == [] and len(mail.outbox) == 1


def test_names_outside_the_gsm_alphabet_are_spelled_in_it():
    """« CCAS de Barlin — Bus » and « Salle des fêtes »: one such character would make the SMS
    Unicode (70 characters a part); written in GSM letters, the text with its link fits one."""
    stop = future_stop(site__name="Salle des fêtes", operator__name="CCAS de Barlin — Bus")
    appointment = AppointmentFactory(
        opening__stop=stop, operator=stop.operator, start_time=datetime.time(9, 30)
    )
    from allervers.bookings import messages

    text = messages.sms_text(messages.message_context(appointment, "booked"))
    assert "CCAS de Barlin - Bus" in text and "Salle des fetes" in text
    assert gsm7_length(text) is not None and gsm7_length(text) <= 160, text
    assert in_gsm7("« L’Œuvre » – Château") == '" L\'OEuvre " - Chateau'
    assert is_gsm7(in_gsm7("Maison de l’Économie, près de l’église"))
