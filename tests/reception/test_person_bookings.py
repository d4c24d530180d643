"""A person's bookings and their rights (issue 12 follow-up of issue 13): the access export lists
their appointments and workshop registrations; erasure and anonymisation detach them and erase
their contact details, keeping what the report counts."""

import datetime
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from allervers.bookings.enums import AppointmentStatus, Attendance, RegistrationStatus
from allervers.bookings.links import LinkRefused, booking_from_token, booking_token
from allervers.bookings.models import Appointment, Registration
from allervers.reception.models import PersonConsent
from allervers.reception.services.privacy import person_anonymise, retention_sweep
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, future_stop
from tests.reception.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(operator):
    """Karim, with an appointment at France Travail and a seat in a CV workshop; Lina, someone
    else, with an appointment at the same stop."""
    person = PersonFactory(
        operator=operator, first_name="Karim", phone="06 12 12 12 12", email="k@example.org"
    )
    stop = future_stop(operator=operator, site=SiteFactory(operator=operator, name="Place Verte"))
    partner = PartnerFactory(operator=operator, name="France Travail")
    opening = AppointmentOpeningFactory(stop=stop, partner=partner)
    appointment = AppointmentFactory(
        opening=opening, person=person, first_name="Karim", email="k@example.org"
    )
    other = AppointmentFactory(
        opening=opening,
        start_time=datetime.time(10, 0),
        end_time=datetime.time(10, 30),
        first_name="Lina",
    )
    workshop = WorkshopFactory(stop=stop, title="Atelier CV")
    registration = RegistrationFactory(
        workshop=workshop,
        person=person,
        first_name="Karim",
        status=RegistrationStatus.REGISTERED,
        attendance=Attendance.PRESENT,
    )
    return person, appointment, registration, other


def test_the_export_lists_the_persons_bookings(client, coordinator, booked):
    person, appointment, _registration, _other = booked
    client.force_login(coordinator)
    url = reverse("reception:person_export_json", kwargs={"person_id": person.pk})
    data = json.loads(client.get(url).content)
    # By date and hour (both at the stop's opening here), then kind.
    assert [(row["kind"], row["with"], row["status"], row["site"]) for row in data["bookings"]] == [
        ("Atelier", "Atelier CV", "Inscrit (présent)", "Place Verte"),
        ("Rendez-vous", "France Travail", "Réservé", "Place Verte"),
    ]
    assert {row["date"] for row in data["bookings"]} == {appointment.opening.stop.date.isoformat()}
    assert "Lina" not in json.dumps(data)  # someone else's booking at the same stop
    pdf = client.get(reverse("reception:person_export_pdf", kwargs={"person_id": person.pk}))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Rendez-vous et ateliers (2)" in text
    assert "France Travail" in text and "Atelier CV" in text


def test_anonymising_detaches_the_bookings_and_erases_their_contact_details(operator, booked):
    person, appointment, registration, other = booked
    link = booking_token(appointment)
    done = person_anonymise(person=person)
    assert done.bookings == 2
    for booking in (
        Appointment.objects.get(pk=appointment.pk),
        Registration.objects.get(pk=registration.pk),
    ):
        assert booking.person_id is None
        assert (booking.first_name, booking.phone, booking.email) == ("", "", "")
        assert not booking.contact_consent
        assert booking.contact_erased_at is not None
    # What the report counts stays: the status, the attendance, the place.
    assert Appointment.objects.get(pk=appointment.pk).status == AppointmentStatus.BOOKED
    assert Registration.objects.get(pk=registration.pk).attendance == Attendance.PRESENT
    # The booking's link no longer works; someone else's booking is untouched.
    with pytest.raises(LinkRefused):
        booking_from_token(link)
    other.refresh_from_db()
    assert other.first_name == "Lina" and other.phone and other.contact_erased_at is None


def test_erasure_on_request_says_the_bookings_were_detached(client, coordinator, booked):
    person = booked[0]
    client.force_login(coordinator)
    url = reverse("reception:person_erase", kwargs={"person_id": person.pk})
    response = client.post(url, {"confirmed": "on"}, follow=True)
    assert "Ses 2 réservation(s) n'ont plus ni son nom ni ses coordonnées." in text_of(response)
    assert not Appointment.objects.filter(first_name="Karim").exists()
    assert not Registration.objects.filter(first_name="Karim").exists()


def test_the_retention_sweep_erases_the_bookings_too(operator, booked):
    person = booked[0]
    PersonConsent.objects.filter(person=person).delete()  # none in force: due at the next run
    retention_sweep(operator=operator)
    for booking in (booked[1], booked[2]):
        booking.refresh_from_db()
        assert booking.person_id is None and booking.first_name == ""
        assert booking.contact_erased_at is not None
