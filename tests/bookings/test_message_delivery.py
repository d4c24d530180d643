"""The delivery of the bookings' SMS (issue 28 point 5): the provider's id kept, each status it
reports recorded (forward only, once per report), a forged or unreadable report refused with
nothing changed; no message after the booking's start; a provider outage retried later, never
sent twice, never lost; the team sees each SMS's status on the booking."""

import datetime
import io
import json

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from allervers.bookings import messages
from allervers.bookings.enums import MessageChannel, MessageStatus
from allervers.bookings.models import BookingMessage, BookingMessageReport
from allervers.bookings.sms import fake
from allervers.bookings.tasks import send_booking_messages
from allervers.bookings.times import booking_start
from allervers.core import sms_delivery
from allervers.core.sms_delivery import DeliveryStatus
from tests.bookings.factories import AppointmentFactory, RegistrationFactory
from tests.html import text_of
from tests.planning.factories import future_stop

pytestmark = pytest.mark.django_db

SECRET = "s3cret-du-webhook"
BOOKED = "appointment_booked"


@pytest.fixture(autouse=True)
def _fake_provider(settings, sms_outbox):
    settings.ALLERVERS_SMS_BACKEND = "fake"
    settings.ALLERVERS_SMS_WEBHOOK_SECRET = SECRET
    return sms_outbox


@pytest.fixture
def appointment(operator):
    return AppointmentFactory(
        opening__stop=future_stop(operator=operator), email="nadia@example.org"
    )


def send(appointment, event=BOOKED, discriminator=""):
    send_booking_messages.enqueue("appointment", appointment.pk, event, discriminator)


def sms_row(appointment=None) -> BookingMessage:
    rows = BookingMessage.objects.filter(channel=MessageChannel.SMS)
    if appointment is not None:
        rows = rows.filter(booking_kind="appointment", booking_id=appointment.pk)
    return rows.get()


def post(client, body, *, provider="generic", secret=SECRET):
    address = reverse(
        "public:sms_delivery_reports", kwargs={"provider": provider, "secret": secret}
    )
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(address, data, content_type="application/json")


def webhook(provider="generic", secret=SECRET) -> str:
    return reverse("public:sms_delivery_reports", kwargs={"provider": provider, "secret": secret})


def report(message_id, status, at=None):
    return {"id": message_id, "status": status, "at": (at or timezone.now()).isoformat()}


# --- The provider's id and the reports ----------------------------------------------------------


def test_a_sent_sms_keeps_the_provider_s_id_and_is_sent(appointment, sms_outbox):
    send(appointment)
    row = sms_row()
    [written] = fake.file.sms_written()
    assert row.provider_message_id == written["id"] and row.provider_message_id.startswith("fake-")
    assert row.status == MessageStatus.SENT and row.delivery_status == DeliveryStatus.SENT
    email = BookingMessage.objects.get(channel=MessageChannel.EMAIL)
    assert email.delivery_status == "" and email.provider_message_id == ""


def test_a_delivery_report_is_recorded_once_and_never_goes_backwards(client, appointment, clock):
    send(appointment)
    row = sms_row()
    delivered_at = timezone.now() + datetime.timedelta(seconds=20)
    [delivered] = fake.delivery_reports("delivered", at=delivered_at)
    assert post(client, delivered).status_code == 200
    assert post(client, delivered).status_code == 200  # the provider posts it again
    late_sent = report(
        row.provider_message_id, "sent", delivered_at - datetime.timedelta(seconds=5)
    )
    assert post(client, late_sent).status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == DeliveryStatus.DELIVERED and row.delivery_at == delivered_at
    assert list(row.reports.values_list("status", flat=True)) == ["sent", "delivered"]
    assert BookingMessageReport.objects.filter(operator=appointment.operator).count() == 2
    # A failure reported after the delivery is kept in the history, the message stays delivered.
    assert post(client, report(row.provider_message_id, "failed")).status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == DeliveryStatus.DELIVERED and row.reports.count() == 3


def test_brevo_s_reports_are_read(client, appointment):
    send(appointment)
    row = sms_row()
    row.provider_message_id = "1511882900176220"
    row.save()
    body = {"messageId": 1511882900176220, "msg_status": "hard_bounce", "ts_event": 1781085600}
    assert post(client, body, provider="brevo").status_code == 200
    row.refresh_from_db()
    assert row.delivery_status == DeliveryStatus.FAILED
    assert row.delivery_at == datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)
    # A reply is not a delivery status: nothing recorded.
    reply = {"messageId": 1511882900176220, "msg_status": "replied", "ts_event": 1781085700}
    assert post(client, reply, provider="brevo").status_code == 200
    assert row.reports.count() == 1


@pytest.mark.parametrize("secret", ["mauvais-secret", SECRET[:-1], SECRET + "x"])
def test_a_forged_report_is_refused_and_changes_nothing(client, appointment, secret):
    send(appointment)
    [delivered] = fake.delivery_reports("delivered")
    response = post(client, delivered, secret=secret)
    assert response.status_code == 403 and "Accès refusé" in text_of(response)
    assert sms_row().delivery_status == DeliveryStatus.SENT
    assert not BookingMessageReport.objects.exists()


def test_without_a_secret_set_every_report_is_refused(client, appointment, settings):
    settings.ALLERVERS_SMS_WEBHOOK_SECRET = ""
    send(appointment)
    [delivered] = fake.delivery_reports("delivered")
    assert post(client, delivered, secret="x").status_code == 403
    assert not BookingMessageReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        "pas du JSON",
        "[]",
        "[1, 2]",
        {"status": "delivered", "at": "2026-06-10T10:00:00+02:00"},
        {"id": "{id}", "status": "lu", "at": "2026-06-10T10:00:00+02:00"},
        {"id": "{id}", "status": "delivered", "at": "2026-06-10T10:00:00"},
        {"id": "{id}", "status": "delivered", "at": "demain"},
        {"id": ["{id}"], "status": "delivered", "at": "2026-06-10T10:00:00+02:00"},
        {"id": "x" * 101, "status": "delivered", "at": "2026-06-10T10:00:00+02:00"},
    ],
)
def test_an_unreadable_report_is_refused_and_changes_nothing(client, appointment, body):
    send(appointment)
    message_id = sms_row().provider_message_id
    if isinstance(body, dict):
        body = json.loads(json.dumps(body).replace("{id}", message_id))
    response = post(client, body)
    assert response.status_code == 400 and "illisible" in text_of(response)
    assert sms_row().delivery_status == DeliveryStatus.SENT
    assert not BookingMessageReport.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"messageId": 1, "msg_status": "delivered"},
        {"messageId": 1, "msg_status": "delivered", "ts_event": "hier"},
        {"messageId": None, "msg_status": "delivered", "ts_event": 1781085600},
        {"messageId": 1, "ts_event": 1781085600},
        {"messageId": 1, "msg_status": "delivered", "ts_event": 10**20},
    ],
)
def test_an_unreadable_brevo_report_is_refused(client, body):
    assert post(client, body, provider="brevo").status_code == 400


def test_a_report_naming_an_unknown_message_changes_nothing(client, appointment):
    send(appointment)
    [delivered] = fake.delivery_reports("delivered")
    response = post(client, [delivered, report("fake-inconnu", "delivered")])
    assert response.status_code == 404 and "inconnu" in text_of(response)
    assert sms_row().delivery_status == DeliveryStatus.SENT
    assert not BookingMessageReport.objects.exists()


def test_an_unknown_provider_and_a_get_are_refused(client):
    assert post(client, [], provider="autre").status_code == 404
    address = reverse(
        "public:sms_delivery_reports", kwargs={"provider": "generic", "secret": SECRET}
    )
    assert client.get(address).status_code == 405


def test_another_app_s_recorder_gets_the_ids_the_bookings_do_not_own(
    client, appointment, monkeypatch
):
    """The alerts register their own recorder: the webhook hands it what is not a booking's."""
    seen = []

    def alert_delivery_record(provider_message_id, status, at):
        if provider_message_id != "alerte-1":
            return False
        seen.append((provider_message_id, status))
        return True

    monkeypatch.setattr(sms_delivery, "_recorders", list(sms_delivery._recorders))
    sms_delivery.recorder_register(alert_delivery_record)
    send(appointment)
    [delivered] = fake.delivery_reports("delivered")
    assert post(client, [delivered, report("alerte-1", "delivered")]).status_code == 200
    assert seen == [("alerte-1", "delivered")]
    assert sms_row().delivery_status == DeliveryStatus.DELIVERED


# --- Too late: never after the booking's start ------------------------------------------------


def test_a_reminder_whose_appointment_has_begun_is_never_sent(appointment, clock, sms_outbox):
    clock.move_to(booking_start(appointment) + datetime.timedelta(minutes=1))
    send(appointment, messages.REMINDER, "2026-06-17")
    assert sms_outbox() == [] and mail.outbox == []
    row = sms_row()
    assert row.status == MessageStatus.EXPIRED and row.delivery_status == DeliveryStatus.EXPIRED
    assert "Trop tard" in row.error
    email = BookingMessage.objects.get(channel=MessageChannel.EMAIL)
    assert email.status == MessageStatus.EXPIRED
    send(appointment, messages.REMINDER, "2026-06-17")  # run again: still nothing
    assert sms_outbox() == []


# --- A provider outage ------------------------------------------------------------------------


def test_an_outage_leaves_the_sms_queued_then_sends_it_once(appointment, clock, sms_outbox):
    fake.outage_start()
    send(appointment)
    row = sms_row()
    assert row.status == MessageStatus.PENDING and row.delivery_status == DeliveryStatus.QUEUED
    wait = row.retry_at - timezone.now()
    assert row.attempts == 1 and abs(wait - messages.RETRY_DELAYS[0]).total_seconds() < 5
    assert "nouvel essai à" in row.error
    assert len(mail.outbox) == 1  # the e-mail left
    send(appointment)  # a run before the next attempt's moment does nothing
    assert sms_row().attempts == 1 and messages.messages_retry_due(timezone.now()) == []
    fake.outage_end()
    clock.move_to(row.retry_at)
    assert messages.messages_retry_due(timezone.now()) == [
        ("appointment", appointment.pk, BOOKED, "")
    ]
    said = io.StringIO()
    call_command("send_booking_reminders", stdout=said)
    call_command("send_booking_reminders", stdout=said)
    assert said.getvalue().count("Nouveaux essais mis en file : 1.") == 1
    send(appointment)
    assert len(sms_outbox()) == 1 and len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == MessageStatus.SENT and row.delivery_status == DeliveryStatus.SENT
    assert row.retry_at is None and row.error == ""


def test_a_long_outage_fails_the_sms_after_the_last_attempt(appointment, clock, sms_outbox):
    fake.outage_start()
    send(appointment)
    for _ in messages.RETRY_DELAYS:
        clock.move_to(sms_row().retry_at)
        send(appointment)
    row = sms_row()
    assert row.status == MessageStatus.FAILED and row.delivery_status == DeliveryStatus.FAILED
    assert row.attempts == len(messages.RETRY_DELAYS) + 1 and row.retry_at is None
    assert sms_outbox() == []


def test_an_outage_past_the_appointment_s_start_expires_the_reminder(
    appointment, clock, sms_outbox
):
    clock.move_to(booking_start(appointment) - datetime.timedelta(minutes=30))
    fake.outage_start()
    send(appointment, messages.REMINDER, "2026-06-17")
    fake.outage_end()
    clock.move_to(booking_start(appointment) + datetime.timedelta(minutes=1))
    for kind, pk, event, discriminator in messages.messages_retry_due(timezone.now()):
        send_booking_messages.enqueue(kind, pk, event, discriminator)
    row = sms_row()
    assert row.status == MessageStatus.EXPIRED and row.delivery_status == DeliveryStatus.EXPIRED
    assert sms_outbox() == []


def test_a_retry_after_a_cancellation_sends_nothing(appointment, clock, sms_outbox):
    fake.outage_start()
    send(appointment)
    fake.outage_end()
    appointment.contact_consent = False
    appointment.save()
    clock.move_to(sms_row().retry_at)
    send(appointment)
    row = sms_row()
    assert row.status == MessageStatus.SKIPPED and sms_outbox() == []


def test_an_interrupted_sms_is_failed_for_the_team(appointment):
    BookingMessage.objects.create(
        operator=appointment.operator,
        booking_kind="appointment",
        booking_id=appointment.pk,
        event=BOOKED,
        channel=MessageChannel.SMS,
        status=MessageStatus.SENDING,
        delivery_status=DeliveryStatus.QUEUED,
        claimed_at=timezone.now() - datetime.timedelta(hours=1),
    )
    assert messages.interrupted_messages_fail(before=timezone.now(), reason="Interrompu") == 1
    assert sms_row().delivery_status == DeliveryStatus.FAILED


# --- What the team sees -----------------------------------------------------------------------


def test_the_appointment_page_shows_each_message_s_status(client, coordinator, appointment, clock):
    send(appointment)
    [delivered] = fake.delivery_reports("delivered")
    post(client, delivered)
    clock.move_to(booking_start(appointment) + datetime.timedelta(minutes=1))
    send(appointment, messages.REMINDER, "2026-06-17")
    client.force_login(coordinator)
    address = reverse("bookings:appointment_detail", kwargs={"appointment_id": appointment.pk})
    page = text_of(client.get(address))
    assert "Messages à la personne" in page
    assert "Confirmation" in page and "Remis" in page and "Envoyé" in page  # the e-mail
    assert "Rappel de la veille" in page and "Expiré — non envoyé" in page
    assert appointment.phone not in page.replace(" ", "").replace("+33", "0")


def test_the_workshop_page_shows_each_registration_s_sms(client, coordinator, operator):
    registration = RegistrationFactory(
        workshop__stop=future_stop(operator=operator), first_name="Léa"
    )
    send_booking_messages.enqueue("registration", registration.pk, "registration_booked")
    fake.outage_start()
    send_booking_messages.enqueue("registration", registration.pk, messages.REMINDER, "x")
    client.force_login(coordinator)
    address = reverse("bookings:workshop_detail", kwargs={"workshop_id": registration.workshop_id})
    page = text_of(client.get(address))
    assert "Inscription : envoyé" in page
    assert "Rappel de la veille : en attente d'envoi" in page and "nouvel essai à" in page


def test_where_the_task_backend_defers_the_next_attempt_is_queued_for_its_moment(
    appointment, settings
):
    from django.tasks import task_backends

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    fake.outage_start()
    messages.booking_messages_send(kind="appointment", booking_id=appointment.pk, event=BOOKED)
    [queued] = task_backends["default"].results
    assert queued.task.run_after == sms_row().retry_at
    assert queued.args == ["appointment", appointment.pk, BOOKED, ""]
