"""The residents' booking pages: an appointment in three steps, a workshop seat, the booking's
own page (cancel, move), the limits; each bad input answers in French and saves nothing."""

import datetime
import re
import uuid

import pytest
from django.core.cache import cache
from django.urls import reverse

from allervers.bookings import links
from allervers.bookings.enums import AppointmentStatus, RegistrationStatus
from allervers.bookings.models import Appointment, Registration, TopicPartner
from allervers.bookings.phones import INVALID
from allervers.bookings.services import appointments, contacts, workshops
from allervers.planning.enums import CancelReason, SpaceKind
from allervers.planning.services import stop_cancel
from allervers.submissions.tokens import FIELD
from tests.bookings.factories import (
    AppointmentFactory,
    AppointmentOpeningFactory,
    RegistrationFactory,
    WorkshopFactory,
)
from tests.conftest import NOW, PARIS
from tests.html import text_of
from tests.partners.factories import PartnerFactory
from tests.planning.factories import SiteFactory, SpaceFactory, StopFactory, VehicleFactory
from tests.reception.factories import TopicFactory

pytestmark = pytest.mark.django_db

SLUG = "ccas-test"
TOKEN_INPUT = re.compile(r'name="submission_token" value="([^"]+)"')


def day(days: int) -> datetime.date:
    return NOW.date() + datetime.timedelta(days=days)


@pytest.fixture
def world(operator):
    """A stop tomorrow with the Mission locale (two public slots, 9:00 and 9:30, one desk), a
    stop in a week with the PLIE (public) and a private partner, a cancelled stop, two themes
    (« Emploi » → Mission locale; « Papiers »: no partner set)."""
    vehicle = VehicleFactory(operator=operator)
    SpaceFactory(operator=operator, vehicle=vehicle, kind=SpaceKind.OFFICE, capacity=2)
    site = SiteFactory(
        operator=operator, name="Place du Regain", address="1 place du Regain", city="Lens"
    )
    mission = PartnerFactory(operator=operator, name="Mission locale")
    plie = PartnerFactory(operator=operator, name="PLIE")
    private = PartnerFactory(operator=operator, name="Partenaire sur appel")

    def stop(days, **fields):
        return StopFactory(operator=operator, vehicle=vehicle, site=site, date=day(days), **fields)

    tomorrow, week, cancelled = stop(1), stop(7), stop(3)
    opening = AppointmentOpeningFactory(
        stop=tomorrow,
        partner=mission,
        start_time=datetime.time(9),
        end_time=datetime.time(10),
        slot_minutes=30,
    )
    later = AppointmentOpeningFactory(
        stop=week, partner=plie, start_time=datetime.time(9), end_time=datetime.time(10)
    )
    hidden = AppointmentOpeningFactory(
        stop=week,
        partner=private,
        start_time=datetime.time(10),
        end_time=datetime.time(11),
        public_booking=False,
    )
    AppointmentOpeningFactory(stop=cancelled, partner=plie)
    stop_cancel(stop=cancelled, reason=CancelReason.BREAKDOWN, note="", by=None)
    emploi = TopicFactory(operator=operator, name="Emploi")
    papiers = TopicFactory(operator=operator, name="Papiers")
    TopicPartner.objects.create(operator=operator, topic=emploi, partner=mission)
    cache.clear()
    return {
        "operator": operator,
        "stops": {"tomorrow": tomorrow, "week": week, "cancelled": cancelled},
        "openings": {"mission": opening, "plie": later, "hidden": hidden},
        "partners": {"mission": mission, "plie": plie, "private": private},
        "topics": {"emploi": emploi, "papiers": papiers},
    }


def url(name: str, **kwargs) -> str:
    return reverse(f"public:{name}", kwargs={"operator_slug": SLUG, **kwargs})


def slot_url(stop, pour: str = "") -> str:
    return url("booking_slot") + f"?passage={stop.pk}" + (f"&pour={pour}" if pour else "")


def booking_data(opening, time: str = "0900", **fields) -> dict:
    data = {
        "slot": f"{opening.pk}-{time}",
        "first_name": "Nadia",
        "phone": "06 12 34 56 78",
        "email": "",
        "contact_consent": "on",
        FIELD: str(uuid.uuid4()),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def token_of(response) -> str:
    return response["Location"].split("/reservation/")[1].split("/")[0]


# --- from the public page ---------------------------------------------------------------------


def test_the_public_page_and_the_widget_lead_to_booking(client, world):
    page = text_of(client.get(url("operator")))
    assert f'href="{url("booking_start")}"' in page
    assert "Prendre rendez-vous" in page
    for bookable in ("tomorrow", "week"):
        assert f"?passage={world['stops'][bookable].pk}" in page
    assert f"?passage={world['stops']['cancelled'].pk}" not in page
    widget = text_of(client.get(url("widget")))
    assert "http://testserver" + url("booking_start") in widget
    assert f"?passage={world['stops']['tomorrow'].pk}" in widget


def test_without_bookable_openings_the_page_keeps_the_phone_only(client, operator):
    page = text_of(client.get(url("operator")))
    assert url("booking_start") not in page
    assert "appelez le" in page
    start = client.get(url("booking_start"))
    assert start.status_code == 200
    assert "Il n'y a pas de rendez-vous libre en ligne" in text_of(start)


def test_booking_pages_are_never_stored_and_a_fresh_token_each_time(client, world):
    first = client.get(slot_url(world["stops"]["tomorrow"]))
    second = client.get(slot_url(world["stops"]["tomorrow"]))
    assert "no-store" in first["Cache-Control"] and "private" in first["Cache-Control"]
    assert TOKEN_INPUT.findall(text_of(first)) != TOKEN_INPUT.findall(text_of(second))
    assert "csrfmiddlewaretoken" in text_of(first)


# --- step 1 and 2: what for, which stop --------------------------------------------------------


def test_the_first_step_offers_the_partners_with_free_slots_and_the_themes(client, world):
    page = text_of(client.get(url("booking_start")))
    assert "Mission locale" in page and "PLIE" in page
    assert "Partenaire sur appel" not in page  # its opening is not bookable online
    assert "Emploi" in page and "Papiers" in page
    assert "<fieldset" in page and "<legend>" in page


@pytest.mark.parametrize(
    ("pour", "shown", "hidden"),
    [
        ("partner:mission", ["tomorrow"], ["week"]),
        ("partner:plie", ["week"], ["tomorrow"]),
        ("topic:emploi", ["tomorrow"], ["week"]),  # mapped to the Mission locale
        ("topic:papiers", ["tomorrow", "week"], []),  # no partner set: every partner
    ],
)
def test_the_second_step_shows_the_stops_for_the_choice(client, world, pour, shown, hidden):
    kind, key = pour.split(":")
    value = (
        f"partenaire-{world['partners'][key].pk}"
        if kind == "partner"
        else f"theme-{world['topics'][key].pk}"
    )
    page = text_of(client.get(url("booking_stops") + f"?pour={value}"))
    for name in shown:
        assert f'value="{world["stops"][name].pk}"' in page
    for name in hidden:
        assert f'value="{world["stops"][name].pk}"' not in page


def test_a_theme_whose_partners_have_no_slot_is_not_offered(client, world):
    TopicPartner.objects.create(
        operator=world["operator"],
        topic=world["topics"]["papiers"],
        partner=world["partners"]["private"],
    )
    page = text_of(client.get(url("booking_start")))
    assert "Papiers" not in page and "Emploi" in page


def test_no_choice_is_a_french_error_and_an_unknown_one_a_404(client, world, other_operator):
    missing = client.get(url("booking_stops"))
    assert missing.status_code == 400
    assert "Choisissez avec qui vous voulez un rendez-vous" in text_of(missing)
    foreign = PartnerFactory(operator=other_operator)
    for value in ["partenaire-999999", f"partenaire-{foreign.pk}", "theme-x", "nimporte"]:
        response = client.get(url("booking_stops") + f"?pour={value}")
        assert response.status_code == 404, value
        assert "Ce choix n'existe pas" in text_of(response)
    no_stop = client.get(url("booking_slot") + f"?pour=partenaire-{world['partners']['plie'].pk}")
    assert no_stop.status_code == 400
    assert "Choisissez un jour et un lieu" in text_of(no_stop)
    assert client.get(url("booking_slot")).status_code == 302


def test_unknown_stops_operators_and_workshops_are_french_404s(client, world, other_operator):
    foreign_stop = StopFactory(operator=other_operator, date=day(1))
    for address in [
        url("booking_slot") + "?passage=999999",
        url("booking_slot") + f"?passage={foreign_stop.pk}",
        url("booking_slot") + "?passage=abc",
        url("workshop", workshop_id=999999),
        url("workshop", workshop_id=WorkshopFactory(stop=foreign_stop).pk),
        "/ccas-inconnu/rendez-vous/",
        "/ccas-inconnu/ateliers/1/",
    ]:
        response = client.get(address)
        assert response.status_code == 404, address
        assert "Page introuvable" in text_of(response)


# --- step 3: the slot and the contact --------------------------------------------------------


def test_a_resident_books_and_reads_the_confirmation(client, world):
    page = text_of(client.get(slot_url(world["stops"]["tomorrow"])))
    assert "de 9 h à 9 h 30" in page and "de 9 h 30 à 10 h" in page
    assert "J'accepte d'être contacté(e) pour ce rendez-vous (confirmation et rappel)" in page
    pour = f"theme-{world['topics']['emploi'].pk}"
    response = client.post(
        slot_url(world["stops"]["tomorrow"], pour),
        booking_data(world["openings"]["mission"], email=" Nadia@Example.org "),
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.phone, appointment.email) == ("+33612345678", "nadia@example.org")
    assert appointment.start_time == datetime.time(9)
    assert appointment.topic == world["topics"]["emploi"] and appointment.contact_consent
    assert response["Location"] == reverse(
        "public:booking_confirmed", kwargs={"token": links.booking_token(appointment)}
    )
    confirmation = client.get(response["Location"])
    assert confirmation.status_code == 200
    text = text_of(confirmation)
    assert "Votre rendez-vous est réservé" in text
    assert "Mission locale" in text and "de 9 h à 9 h 30" in text
    assert "jeudi 11 juin" in text.lower()
    assert "1 place du Regain" in text and "03 21 00 00 00" in text
    assert links.booking_url(appointment) in text
    assert "Ce qu'il faut apporter" in text
    # The slot is taken now: it is no longer offered.
    again = text_of(client.get(slot_url(world["stops"]["tomorrow"])))
    assert "de 9 h à 9 h 30" not in again and "de 9 h 30 à 10 h" in again


def test_a_double_submission_books_once(client, world):
    data = booking_data(world["openings"]["mission"])
    first = client.post(slot_url(world["stops"]["tomorrow"]), data)
    second = client.post(slot_url(world["stops"]["tomorrow"]), data)
    assert first.status_code == 302 and second.status_code == 303
    assert second["Location"] == first["Location"]
    assert Appointment.objects.count() == 1
    assert "déjà été envoyé" in text_of(client.get(second["Location"]))


def _fill_nine(world):
    AppointmentFactory(opening=world["openings"]["mission"], start_time=datetime.time(9))


def _cancel_tomorrow(world):
    stop_cancel(stop=world["stops"]["tomorrow"], reason=CancelReason.BREAKDOWN, note="", by=None)


@pytest.mark.parametrize(
    ("case", "fields", "prepare", "message"),
    [
        ("full slot", {}, _fill_nine, "Ce créneau vient d'être pris"),
        ("cancelled stop", {}, _cancel_tomorrow, "Cette permanence du bus est annulée"),
        ("malformed phone", {"phone": "06 12"}, None, INVALID),
        ("phone too long", {"phone": "0" * 40}, None, "au plus 30 caractères"),
        ("no contact", {"phone": ""}, None, contacts.NO_CONTACT),
        ("bad e-mail", {"phone": "", "email": "nadia@"}, None, "adresse électronique n'est pas"),
        ("no first name", {"first_name": "  "}, None, "Indiquez votre prénom"),
        ("no consent", {"contact_consent": None}, None, "Cochez la case"),
        ("no slot", {"slot": ""}, None, "Choisissez un créneau dans la liste"),
        ("forged slot", {"slot": "999999-0900"}, None, appointments.SLOT_UNKNOWN),
        ("odd time", {"slot": "{mission}-0915"}, None, appointments.SLOT_UNKNOWN),
        ("no such hour", {"slot": "{mission}-9999"}, None, appointments.SLOT_UNKNOWN),
        ("private opening", {"slot": "{hidden}-1000"}, None, appointments.SLOT_UNKNOWN),
    ],
)
def test_each_bad_input_is_refused_in_french_and_saves_nothing(
    client, world, case, fields, prepare, message
):
    if prepare:
        prepare(world)
    before = Appointment.objects.count()
    if "slot" in fields:
        fields["slot"] = fields["slot"].format(
            mission=world["openings"]["mission"].pk, hidden=world["openings"]["hidden"].pk
        )
    response = client.post(
        slot_url(world["stops"]["tomorrow"]), booking_data(world["openings"]["mission"], **fields)
    )
    assert response.status_code == 400, case
    text = text_of(response)
    assert message in text, case
    assert "<title>Erreur" in text
    assert Appointment.objects.count() == before
    # The page is shown again: the free slots (or why there are none) and the form.
    assert 'name="slot"' in text or "Il n'y a plus de créneau libre" in text


def test_the_error_is_tied_to_its_field(client, world):
    response = client.post(
        slot_url(world["stops"]["tomorrow"]),
        booking_data(world["openings"]["mission"], phone="12"),
    )
    text = text_of(response)
    assert 'aria-describedby="id_phone_helptext id_phone_error"' in text
    assert 'aria-invalid="true"' in text
    assert 'href="#id_phone"' in text  # the summary links to the field


def test_a_past_slot_is_refused(client, world, clock):
    clock.move_to(datetime.datetime.combine(day(1), datetime.time(9, 10), tzinfo=PARIS))
    page = text_of(client.get(slot_url(world["stops"]["tomorrow"])))
    assert "de 9 h à 9 h 30" not in page and "de 9 h 30 à 10 h" in page
    response = client.post(
        slot_url(world["stops"]["tomorrow"]), booking_data(world["openings"]["mission"])
    )
    assert response.status_code == 400
    assert appointments.SLOT_PAST in text_of(response)
    assert not Appointment.objects.exists()


# --- limits ------------------------------------------------------------------------------------


def test_too_many_bookings_from_one_address_get_the_429_page(client, world, settings):
    settings.ALLERVERS_BOOKING_LIMIT_PER_IP = 2
    stop = world["stops"]["tomorrow"]
    opening = world["openings"]["mission"]
    first = client.post(slot_url(stop), booking_data(opening, phone="06 11 11 11 11"))
    assert first.status_code == 302
    assert client.post(slot_url(stop), booking_data(opening, phone="12")).status_code == 400
    third = client.post(slot_url(stop), booking_data(opening, "0930", phone="06 22 22 22 22"))
    assert third.status_code == 429
    assert "Trop de demandes" in text_of(third) and "attendre demain" in text_of(third)
    assert Appointment.objects.count() == 1
    # Another address is not concerned.
    other = client.post(
        slot_url(stop),
        booking_data(opening, "0930", phone="06 22 22 22 22"),
        REMOTE_ADDR="192.0.2.9",
    )
    assert other.status_code == 302


def test_the_addresses_of_one_ipv6_line_count_as_one(client, world, settings):
    # A line gets a whole /64: changing the address within it does not escape the limit.
    settings.ALLERVERS_BOOKING_LIMIT_PER_IP = 1
    stop = world["stops"]["tomorrow"]
    opening = world["openings"]["mission"]
    first = client.post(
        slot_url(stop), booking_data(opening, phone="06 11 11 11 11"), REMOTE_ADDR="2001:db8::1"
    )
    assert first.status_code == 302
    second = client.post(
        slot_url(stop),
        booking_data(opening, "0930", phone="06 22 22 22 22"),
        REMOTE_ADDR="2001:db8::ab:cd:ef",
    )
    assert second.status_code == 429
    assert Appointment.objects.count() == 1
    # Another line is not concerned.
    other = client.post(
        slot_url(stop),
        booking_data(opening, "0930", phone="06 22 22 22 22"),
        REMOTE_ADDR="2001:db8:0:1::1",
    )
    assert other.status_code == 302


def test_a_forged_x_forwarded_for_does_not_escape_the_booking_limit(client, world, settings):
    settings.ALLERVERS_BOOKING_LIMIT_PER_IP = 1
    stop = world["stops"]["tomorrow"]
    opening = world["openings"]["mission"]
    first = client.post(
        slot_url(stop),
        booking_data(opening, phone="06 11 11 11 11"),
        HTTP_X_FORWARDED_FOR="1.2.3.4",
    )
    assert first.status_code == 302
    second = client.post(
        slot_url(stop),
        booking_data(opening, "0930", phone="06 22 22 22 22"),
        HTTP_X_FORWARDED_FOR="5.6.7.8",
    )
    assert second.status_code == 429


def test_too_many_bookings_with_one_phone_get_the_429_page(client, world, settings):
    settings.ALLERVERS_BOOKING_LIMIT_PER_PHONE = 1
    first = client.post(
        slot_url(world["stops"]["tomorrow"]), booking_data(world["openings"]["mission"])
    )
    assert first.status_code == 302
    workshop = WorkshopFactory(stop=world["stops"]["week"])
    # The same number written otherwise is the same number.
    second = client.post(
        url("workshop", workshop_id=workshop.pk),
        booking_data(world["openings"]["mission"], phone="+33 6 12 34 56 78"),
        REMOTE_ADDR="192.0.2.10",
    )
    assert second.status_code == 429
    assert not Registration.objects.exists()


# --- workshops ---------------------------------------------------------------------------------


def contact_data(**fields) -> dict:
    data = {
        "first_name": "Karim",
        "phone": "",
        "email": "karim@example.org",
        "contact_consent": "on",
        FIELD: str(uuid.uuid4()),
    }
    data.update(fields)
    return data


def test_a_resident_registers_to_a_workshop(client, world):
    workshop = WorkshopFactory(
        stop=world["stops"]["week"], title="Atelier CV", capacity=2, description="Apportez un CV."
    )
    page = text_of(client.get(url("workshop", workshop_id=workshop.pk)))
    assert "Atelier CV" in page and "Il reste 2 places" in page and "de 9 h à 12 h" in page
    assert "Place du Regain" in page
    response = client.post(url("workshop", workshop_id=workshop.pk), contact_data())
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.status == RegistrationStatus.REGISTERED
    confirmation = text_of(client.get(response["Location"]))
    assert "Votre place est réservée" in confirmation and "Apportez un CV." in confirmation
    assert "Il reste 1 place." in text_of(client.get(url("workshop", workshop_id=workshop.pk)))


def test_a_full_workshop_puts_the_resident_on_the_waiting_list_and_says_so(client, world):
    workshop = WorkshopFactory(stop=world["stops"]["week"], capacity=1)
    RegistrationFactory(workshop=workshop)
    page = text_of(client.get(url("workshop", workshop_id=workshop.pk)))
    assert "L'atelier est complet" in page and "M'inscrire sur la liste d'attente" in page
    response = client.post(url("workshop", workshop_id=workshop.pk), contact_data())
    registration = Registration.objects.get(email="karim@example.org")
    assert registration.status == RegistrationStatus.WAITING
    assert "Vous êtes sur la liste d'attente" in text_of(client.get(response["Location"]))


def test_a_double_registration_counts_once(client, world):
    workshop = WorkshopFactory(stop=world["stops"]["week"])
    data = contact_data()
    first = client.post(url("workshop", workshop_id=workshop.pk), data)
    second = client.post(url("workshop", workshop_id=workshop.pk), data)
    assert (first.status_code, second.status_code) == (302, 303)
    assert Registration.objects.count() == 1


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("cancelled", "Cet atelier est annulé"),
        ("stop_cancelled", "Ce passage du bus est annulé"),
        ("past", "Cet atelier a déjà eu lieu"),
        ("agent_only", "se fait auprès de l'équipe du bus"),
    ],
)
def test_a_closed_workshop_shows_why_and_takes_no_registration(client, world, state, message):
    stop = world["stops"]["week"]
    fields = {}
    if state == "cancelled":
        fields["cancelled_at"] = NOW
    elif state == "stop_cancelled":
        stop = world["stops"]["cancelled"]
    elif state == "past":
        stop = StopFactory(operator=world["operator"], date=day(-1))
    else:
        fields["public_registration"] = False
    workshop = WorkshopFactory(stop=stop, **fields)
    page = client.get(url("workshop", workshop_id=workshop.pk))
    assert page.status_code == 200
    assert message in text_of(page) and 'name="first_name"' not in text_of(page)
    response = client.post(url("workshop", workshop_id=workshop.pk), contact_data())
    assert response.status_code == 400
    assert not Registration.objects.exists()


def test_a_workshop_registration_refused_by_the_service_shows_on_the_form(client, world):
    workshop = WorkshopFactory(stop=world["stops"]["week"])
    RegistrationFactory(workshop=workshop, email="karim@example.org", phone="")
    response = client.post(url("workshop", workshop_id=workshop.pk), contact_data())
    assert response.status_code == 400
    assert workshops.ALREADY_REGISTERED in text_of(response)
    assert Registration.objects.count() == 1


# --- the booking's own page -----------------------------------------------------------------


@pytest.fixture
def booked(world):
    return appointments.appointment_book(
        opening=world["openings"]["mission"],
        start_time=datetime.time(9),
        contact=contacts.Contact(first_name="Nadia", phone="0612345678", contact_consent=True),
    )


def manage(name: str, booking) -> str:
    return reverse(f"public:{name}", kwargs={"token": links.booking_token(booking)})


def test_the_booking_page_shows_it_and_cancels_it_after_confirmation(client, booked):
    page = text_of(client.get(manage("booking_manage", booked)))
    assert "Votre rendez-vous" in page and "Mission locale" in page
    assert manage("booking_cancel", booked) in page and manage("booking_move", booked) in page
    question = client.get(manage("booking_cancel", booked))
    assert "Annuler votre rendez-vous ?" in text_of(question)
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED  # a GET changes nothing
    response = client.post(manage("booking_cancel", booked))
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.CANCELLED
    after = text_of(client.get(response["Location"]))
    assert "Ce rendez-vous est annulé" in after and "C'est annulé" in after
    assert manage("booking_move", booked) not in after
    again = client.post(manage("booking_cancel", booked))
    assert again.status_code == 200 and "déjà annulé" in text_of(again)


def test_a_registration_is_cancelled_from_its_page_and_the_waiting_list_moves_up(client, world):
    workshop = WorkshopFactory(stop=world["stops"]["week"], capacity=1)
    seat = RegistrationFactory(workshop=workshop)
    waiting = RegistrationFactory(workshop=workshop, status=RegistrationStatus.WAITING)
    assert "Sur la liste d'attente" in text_of(client.get(manage("booking_manage", waiting)))
    client.post(manage("booking_cancel", seat))
    seat.refresh_from_db()
    waiting.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED
    assert waiting.status == RegistrationStatus.REGISTERED


def test_the_appointment_moves_to_another_slot_and_gets_a_new_link(client, world, booked):
    old = manage("booking_move", booked)
    page = text_of(client.get(old))
    mission = world["openings"]["mission"]
    assert f'value="{mission.pk}-0930"' in page
    assert f'value="{mission.pk}-0900"' not in page  # its own slot
    assert f'value="{world["openings"]["plie"].pk}-0900"' not in page  # another partner
    data = {"slot": f"{mission.pk}-0930", FIELD: str(uuid.uuid4())}
    response = client.post(old, data)
    assert response.status_code == 302
    booked.refresh_from_db()
    assert booked.start_time == datetime.time(9, 30)
    assert token_of(response) == links.booking_token(booked)
    new_page = text_of(client.get(response["Location"]))
    assert "Votre rendez-vous est déplacé" in new_page and links.booking_url(booked) in new_page
    assert client.get(old).status_code == 404  # the old link no longer works
    assert client.post(old, data).status_code == 303  # a re-sent move: the first result


def test_a_move_to_a_bad_slot_is_refused_and_changes_nothing(client, world, booked):
    AppointmentFactory(opening=world["openings"]["mission"], start_time=datetime.time(9, 30))
    response = client.post(
        manage("booking_move", booked),
        {"slot": f"{world['openings']['mission'].pk}-0930", FIELD: str(uuid.uuid4())},
    )
    assert response.status_code == 400
    assert appointments.SLOT_FULL in text_of(response)
    booked.refresh_from_db()
    assert booked.start_time == datetime.time(9)


def test_a_forged_link_is_a_french_404_and_an_expired_one_says_the_date_is_past(
    client, booked, clock
):
    token = links.booking_token(booked)
    for forged in [token[:-2] + "xx", "nimporte-quoi", token.replace(":", ".")]:
        for name in ("booking_manage", "booking_cancel", "booking_move", "booking_confirmed"):
            response = client.get(reverse(f"public:{name}", kwargs={"token": forged}))
            assert response.status_code == 404
            assert "Ce lien n'est pas valable" in text_of(response)
    clock.move_to(datetime.datetime.combine(day(1), datetime.time(9, 5), tzinfo=PARIS))
    expired = client.get(manage("booking_manage", booked))
    assert expired.status_code == 410
    assert "la date de ce rendez-vous est passée" in text_of(expired)
    assert client.post(manage("booking_cancel", booked)).status_code == 410
    booked.refresh_from_db()
    assert booked.status == AppointmentStatus.BOOKED


def test_an_unreadable_submission_token_is_refused_in_the_public_layout(client, world):
    data = booking_data(world["openings"]["mission"])
    data[FIELD] = "pas-un-jeton"
    response = client.post(slot_url(world["stops"]["tomorrow"]), data)
    assert response.status_code == 400
    text = text_of(response)
    assert "Formulaire non valable" in text and "Site fait avec Allervers" in text  # public
    assert not Appointment.objects.exists()


def test_an_anonymous_token_is_not_a_users_token(client, world, coordinator):
    """The same token value sent by a resident and by a logged-in user: two submissions."""
    data = booking_data(world["openings"]["mission"])
    assert client.post(slot_url(world["stops"]["tomorrow"]), data).status_code == 302
    client.force_login(coordinator)
    other = {**data, "slot": f"{world['openings']['mission'].pk}-0930", "phone": "0622222222"}
    assert client.post(slot_url(world["stops"]["tomorrow"]), other).status_code == 302
    assert Appointment.objects.count() == 2
