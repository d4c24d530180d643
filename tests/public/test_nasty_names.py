"""Text from strangers stays inert (issue 23 point 2): the names typed on the residents' forms
are letters, spaces, apostrophes and hyphens of a sensible length; every other name is refused
in French and saves nothing, and every name accepted goes through every message (e-mail and
SMS) without a link, a line break or a header of its own.

The message templates are not listed here: every `.txt` template of the bookings app must have
been rendered by the events below, so that a new or restructured message is covered too."""

import email
import email.policy
import re
import uuid
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.test.signals import template_rendered
from django.utils import timezone

from allervers.bookings import notify
from allervers.bookings.enums import RegistrationStatus
from allervers.bookings.messages import REMINDER, STOP_CANCELLED, STOP_MOVED, booking_messages_send
from allervers.bookings.models import Appointment, Registration
from allervers.core.person_names import (
    NAME_CHARACTERS,
    NAME_TOO_LONG,
    NAME_WITH_LINE_BREAK,
    NAME_WITHOUT_LETTER,
    person_name_clean,
)
from allervers.submissions.tokens import FIELD
from tests.bookings.factories import WorkshopFactory
from tests.html import text_of
from tests.public.test_booking_pages import booking_data, slot_url, url, world  # noqa: F401

pytestmark = pytest.mark.django_db

# name → the French refusal it gets.
NASTY = {
    "Nadia\r\nBcc: victim@example.org": NAME_WITH_LINE_BREAK,
    "Nadia\nSubject: Annulé": NAME_WITH_LINE_BREAK,
    "Nadia Bcc: victim@example.org Subject: Annulé https://evil.example/x,": NAME_TOO_LONG,
    "Nadia Bcc: victim@example.org": NAME_CHARACTERS,
    "https://evil.example/x": NAME_CHARACTERS,
    "evil.example": NAME_CHARACTERS,
    "Nadia www·evil·example": NAME_CHARACTERS,
    "Nadia <script>alert(1)</script>": NAME_CHARACTERS,
    "=?utf-8?q?Bcc=3A_x?=": NAME_CHARACTERS,
    "Nadia%0D%0ABcc": NAME_CHARACTERS,
    "Nadia\u202egnp.exe": NAME_CHARACTERS,  # right-to-left override
    "Nadia\u200f": NAME_CHARACTERS,  # right-to-left mark
    "Na\u200bdia": NAME_CHARACTERS,  # zero-width space
    "Na\x00dia": NAME_WITH_LINE_BREAK,  # control characters
    "Nadia\x1b[31m": NAME_WITH_LINE_BREAK,
    "Nadia\tBcc": NAME_WITH_LINE_BREAK,
    "Nadia\u2028Bcc: x": NAME_WITH_LINE_BREAK,  # Unicode line separator
    "Nadia\u0085Bcc: x": NAME_WITH_LINE_BREAK,  # next line
    "Nadia 06 12 34 56 78": NAME_CHARACTERS,
    "'- -'": NAME_WITHOUT_LETTER,
    "Nadia" * 11: NAME_TOO_LONG,
    "x" * 10_000: NAME_TOO_LONG,
}
# Names people have, kept as typed (spaces collapsed, accents composed).
ACCEPTED = {
    "Nadia": "Nadia",
    "  Marie-Thérèse  ": "Marie-Thérèse",
    "N'Guessan": "N'Guessan",
    "Zoë D’Almeida": "Zoë D’Almeida",
    "Jose\u0301": "José",  # an accent typed as a second character
    "Олена": "Олена",
    "محمد": "محمد",
    "李小龍": "李小龍",
    "Nguyễn Thị Ngọc": "Nguyễn Thị Ngọc",
    "Jean\u00a0Paul": "Jean Paul",
}
# What an e-mail's header may be; nothing else may appear.
HEADERS = {
    "content-type",
    "mime-version",
    "content-transfer-encoding",
    "subject",
    "from",
    "to",
    "reply-to",
    "date",
    "message-id",
}
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    cache.clear()
    settings.ALLERVERS_BOOKING_LIMIT_PER_IP = 10_000
    settings.ALLERVERS_BOOKING_LIMIT_PER_PHONE = 10_000


@pytest.mark.parametrize("name", list(NASTY), ids=[repr(name)[:30] for name in NASTY])
def test_a_nasty_name_is_refused_in_french_by_every_public_form(client, world, name):  # noqa: F811
    workshop = WorkshopFactory(stop=world["stops"]["week"], capacity=5)
    before = (Appointment.objects.count(), Registration.objects.count())
    appointment = client.post(
        slot_url(world["stops"]["tomorrow"]),
        booking_data(world["openings"]["mission"], first_name=name),
    )
    registration = client.post(
        url("workshop", workshop_id=workshop.pk),
        booking_data(world["openings"]["mission"], first_name=name, slot=None),
    )
    for response in (appointment, registration):
        assert response.status_code == 400
        assert NASTY[name] in text_of(response)
    assert (Appointment.objects.count(), Registration.objects.count()) == before
    assert not mail.outbox


def test_the_names_people_have_are_accepted_as_typed():
    for typed, kept in ACCEPTED.items():
        assert person_name_clean(typed) == kept


def _rendered_templates():
    names = []

    def note(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(note)
    return names, lambda: template_rendered.disconnect(note)


def _message_templates() -> set[str]:
    """Every text template of the bookings app (its messages), by its template name."""
    root = Path(apps.get_app_config("bookings").path) / "templates"
    return {path.relative_to(root).as_posix() for path in root.rglob("*.txt")}


def _each_event(booking, kind: str, round_: str) -> None:
    events = [event for event in notify.EVENTS if event.startswith(kind)]
    for event in [*events, REMINDER, STOP_CANCELLED, STOP_MOVED]:
        booking_messages_send(kind=kind, booking_id=booking.pk, event=event, discriminator=round_)


def _assert_inert(name: str, messages: list, sms: list[dict]) -> None:
    assert messages and sms
    for message in messages:
        parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.SMTP)
        assert {header.lower() for header in parsed} <= HEADERS
        assert parsed["To"] == "resident@example.org"
        for header, value in parsed.items():
            assert name not in str(value), header
        body = message.body
        assert name in body  # the greeting names the person…
        for line in body.splitlines():
            if name in line:  # …and that line carries nothing else of theirs
                assert not URL.search(line.replace(name, "")), line
        for link in URL.findall(body):
            assert link.startswith(settings.ALLERVERS_SITE_URL.rstrip("/") + "/reservation/"), link
    for text in sms:
        assert "\n" not in text["text"] and "\r" not in text["text"]
        for link in URL.findall(text["text"]):
            assert link.startswith(settings.ALLERVERS_SITE_URL.rstrip("/") + "/reservation/"), link


@pytest.mark.parametrize("typed", list(ACCEPTED))
def test_every_accepted_name_goes_inert_through_every_message(
    client,
    world,  # noqa: F811
    typed,
    coordinator,
    sms_outbox,
    django_capture_on_commit_callbacks,
):
    name = ACCEPTED[typed]
    workshop = WorkshopFactory(stop=world["stops"]["week"], capacity=5)
    rendered, stop_listening = _rendered_templates()
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(
                slot_url(world["stops"]["tomorrow"]),
                booking_data(
                    world["openings"]["mission"], first_name=typed, email="resident@example.org"
                ),
            )
            client.post(
                url("workshop", workshop_id=workshop.pk),
                booking_data(
                    world["openings"]["mission"],
                    first_name=typed,
                    email="resident@example.org",
                    phone="06 12 34 56 79",
                    slot=None,
                    **{FIELD: str(uuid.uuid4())},
                ),
            )
        appointment = Appointment.objects.get()
        registration = Registration.objects.get()
        assert appointment.first_name == registration.first_name == name
        _each_event(appointment, "appointment", "first")
        _each_event(registration, "registration", "first")
        # The other variants: cancelled by the team, a waiting seat of a cancelled workshop.
        Appointment.objects.filter(pk=appointment.pk).update(status_changed_by=coordinator)
        Registration.objects.filter(pk=registration.pk).update(status=RegistrationStatus.WAITING)
        type(workshop).objects.filter(pk=workshop.pk).update(cancelled_at=timezone.now())
        _each_event(appointment, "appointment", "second")
        _each_event(registration, "registration", "second")
    finally:
        stop_listening()
    missing = _message_templates() - set(rendered)
    assert not missing, f"message templates no event rendered: {sorted(missing)}"
    _assert_inert(name, mail.outbox, sms_outbox())
