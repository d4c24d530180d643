"""Messages that say what happened (issue 27, point 4): one set of messages per kind of booking
(an appointment, a workshop seat), French plural, elision and greeting from one helper."""

from pathlib import Path

import pytest
from django.utils import timezone

from allervers.bookings import messages
from allervers.bookings.texts import APPOINTMENT, SMS, SUBJECTS, WORKSHOP
from allervers.core.french import elided, greeting, plural
from tests.bookings.factories import AppointmentFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(messages.__file__).parent / "templates" / "bookings" / "email"


def rendered(booking, name: str) -> tuple[str, str, str, str]:
    """(subject, body, attachment's name, SMS) of the message `name` for `booking`."""
    context = messages.message_context(booking, name)
    email = messages.email_message(booking, context, timezone.now())
    attachments = [attachment[0] for attachment in email.attachments]
    return email.subject, email.body, " ".join(attachments), messages.sms_text(context)


def test_each_kind_of_booking_has_its_own_set_of_messages_and_no_other():
    for kind in (APPOINTMENT, WORKSHOP):
        files = {path.stem for path in (TEMPLATES / kind).glob("*.txt")}
        assert files == set(SUBJECTS[kind]) == set(SMS[kind]), kind
    assert {path.name for path in TEMPLATES.glob("*.txt")} == {"base.txt"}


def test_a_workshop_seat_is_never_called_an_appointment():
    registration = RegistrationFactory(email="nadia@example.org", first_name="Nadia")
    for name in SUBJECTS[WORKSHOP]:
        subject, body, attachment, sms = rendered(registration, name)
        for text in (subject, sms):
            assert "rendez-vous" not in text.lower(), (name, text)
        assert "atelier" not in sms.lower()  # an SMS never says what the person booked
        # « venir au bus sans rendez-vous » stays: the bus takes walk-ins.
        for words in ("votre rendez-vous", "un rendez-vous", "rendez-vous.ics"):
            assert words not in body.lower(), (name, words, body)
        assert "atelier" in (subject + body).lower(), name
        assert attachment in ("", "atelier.ics"), name
    subject, body, *_ = rendered(registration, "cancelled")
    assert "Votre inscription à l'atelier est bien annulée." in body
    assert "reprendre un rendez-vous" not in body


def test_an_appointment_is_called_an_appointment():
    appointment = AppointmentFactory(email="nadia@example.org", first_name="Nadia")
    for name in SUBJECTS[APPOINTMENT]:
        subject, body, attachment, sms = rendered(appointment, name)
        assert "rendez-vous" in subject.lower() or name == "reminder", name
        assert "rendez-vous" in body.lower() and "atelier" not in body.lower(), name
        assert "rendez-vous" in sms.lower(), name
        if attachment:
            assert attachment == "rendez-vous.ics"


@pytest.mark.parametrize("first_name", ["", "   "])
def test_no_first_name_greets_without_a_stray_comma(first_name):
    appointment = AppointmentFactory(email="nadia@example.org", first_name=first_name)
    _subject, body, *_ = rendered(appointment, "booked")
    assert body.startswith("Bonjour,\n")
    assert "Bonjour ," not in body


def test_the_sms_elides_the_structure_name():
    appointment = AppointmentFactory(first_name="Nadia")
    appointment.operator.name = "Avion"
    appointment.operator.save()
    *_, sms = rendered(appointment, "booked")
    assert "au bus d'Avion le" in sms


def test_french_words():
    assert [plural(n, "minute", "minutes") for n in (0, 1, 1.4, 2, None)] == [
        "minute",
        "minute",
        "minute",
        "minutes",
        "minutes",
    ]
    assert elided("de", "une durée") == "d'une durée"
    assert elided("de", "Éleu") == "d'Éleu"
    assert elided("de", "Barlin") == "de Barlin"
    assert elided("le", "atelier") == "l'atelier"
    assert greeting(" Nadia ") == "Bonjour Nadia,"
    assert greeting("") == greeting(None) == "Bonjour,"


def test_the_stop_cancel_form_names_everyone_who_will_be_told(client, coordinator):
    from django.urls import reverse

    from tests.planning.factories import future_stop

    stop = future_stop(operator=coordinator.memberships.first().operator)
    client.force_login(coordinator)
    page = client.get(reverse("planning:stop_cancel", kwargs={"stop_id": stop.pk}))
    text = " ".join(page.content.decode().split())
    assert "Les partenaires et agents prévus recevront un courriel" in text
    assert "les personnes qui ont réservé un rendez-vous ou une place à un atelier" in text
