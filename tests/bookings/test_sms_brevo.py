"""The Brevo SMS backend, against a local fake of its API: the request it makes (address,
key, JSON), a success, a refusal, a server that does not answer in time, no server at all."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from allervers.bookings import sms
from allervers.bookings.sms import SmsError, SmsUnavailable, brevo

SENT = "Rendez-vous au bus de CCAS le mercredi 17/06 à 9h30, Mairie."


class FakeBrevo(BaseHTTPRequestHandler):
    answer_status = 201
    answer_body = b'{"messageId": 1511882900176220}'
    delay = 0.0
    requests: list

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.requests.append(
            {
                "path": self.path,
                "headers": {name.lower(): value for name, value in self.headers.items()},
                "json": json.loads(self.rfile.read(length)),
            }
        )
        if self.delay:
            threading.Event().wait(self.delay)
        self.send_response(self.answer_status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(self.answer_body)

    def log_message(self, *args):  # quiet
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # the client that gave up (timeout test) closed the connection: expected


@pytest.fixture
def fake_brevo(settings):
    handler = type("Handler", (FakeBrevo,), {"requests": []})
    server = QuietServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.ALLERVERS_SMS_BACKEND = "brevo"
    settings.ALLERVERS_SMS_BREVO_API_KEY = "xkeysib-test"
    settings.ALLERVERS_SMS_SENDER = "BusEmploi"
    settings.ALLERVERS_SMS_BREVO_URL = (
        f"http://127.0.0.1:{server.server_port}/v3/transactionalSMS/send"
    )
    yield handler
    server.shutdown()
    server.server_close()


def test_an_sms_is_posted_to_brevo_with_the_key_and_the_documented_json(fake_brevo):
    sms.send("+33612345678", SENT)
    [request] = fake_brevo.requests
    assert request["path"] == "/v3/transactionalSMS/send"
    assert request["headers"]["api-key"] == "xkeysib-test"
    assert request["headers"]["content-type"] == "application/json"
    assert request["json"] == {
        "sender": "BusEmploi",
        "recipient": "33612345678",
        "content": SENT,
        "type": "transactional",
        "unicodeEnabled": False,
    }


def test_the_message_id_brevo_answers_is_returned(fake_brevo):
    assert sms.send("+33612345678", SENT) == "1511882900176220"
    fake_brevo.answer_body = b"pas du JSON"
    assert sms.send("+33612345678", SENT) == ""


@pytest.mark.parametrize("status", [429, 500, 503])
def test_brevo_busy_or_down_may_be_tried_again(fake_brevo, status):
    fake_brevo.answer_status = status
    fake_brevo.answer_body = b'{"message": "Service unavailable"}'
    with pytest.raises(SmsUnavailable, match=f"\\({status}\\)"):
        sms.send("+33612345678", SENT)


def test_a_refusal_or_no_answer_in_time_is_not_tried_again(fake_brevo, monkeypatch):
    fake_brevo.answer_status = 400
    with pytest.raises(SmsError) as refused:
        sms.send("+33612345678", SENT)
    assert not isinstance(refused.value, SmsUnavailable)
    fake_brevo.answer_status = 201
    monkeypatch.setattr(brevo, "TIMEOUT_SECONDS", 0.2)
    fake_brevo.delay = 1.0
    with pytest.raises(SmsError, match="peut-être parti") as late:
        sms.send("+33612345678", SENT)
    assert not isinstance(late.value, SmsUnavailable)


def test_a_text_outside_the_gsm_alphabet_is_sent_as_unicode(fake_brevo):
    sms.send("+33612345678", "Rendez-vous « Espace Ŝ »")
    assert fake_brevo.requests[0]["json"]["unicodeEnabled"] is True


def test_a_refusal_raises_with_brevo_s_reason(fake_brevo):
    fake_brevo.answer_status = 400
    fake_brevo.answer_body = b'{"code": "invalid_parameter", "message": "Invalid phone number"}'
    with pytest.raises(SmsError, match=r"\(400\).*Invalid phone number"):
        sms.send("+33612345678", SENT)


def test_a_server_that_does_not_answer_in_time_is_an_error(fake_brevo, monkeypatch):
    monkeypatch.setattr(brevo, "TIMEOUT_SECONDS", 0.2)
    fake_brevo.delay = 1.0
    with pytest.raises(SmsError, match="injoignable"):
        sms.send("+33612345678", SENT)


def test_no_server_is_an_error(settings):
    settings.ALLERVERS_SMS_BACKEND = "brevo"
    settings.ALLERVERS_SMS_BREVO_API_KEY = "xkeysib-test"
    settings.ALLERVERS_SMS_BREVO_URL = "http://127.0.0.1:9/v3/transactionalSMS/send"
    with pytest.raises(SmsUnavailable, match="injoignable"):
        sms.send("+33612345678", SENT)


@pytest.mark.django_db
def test_a_refused_sms_leaves_a_failed_message_with_the_reason(fake_brevo, operator):
    from allervers.bookings.enums import MessageChannel, MessageStatus
    from allervers.bookings.models import BookingMessage
    from allervers.bookings.tasks import send_booking_messages
    from tests.bookings.factories import AppointmentFactory
    from tests.planning.factories import future_stop

    fake_brevo.answer_status = 402
    fake_brevo.answer_body = b'{"code": "not_enough_credits", "message": "Not enough credits"}'
    appointment = AppointmentFactory(opening__stop=future_stop(operator=operator))
    send_booking_messages.enqueue("appointment", appointment.pk, "appointment_booked")
    send_booking_messages.enqueue("appointment", appointment.pk, "appointment_booked")
    assert len(fake_brevo.requests) == 1  # the second run does not try again
    row = BookingMessage.objects.get(channel=MessageChannel.SMS)
    assert row.status == MessageStatus.FAILED
    assert "Not enough credits" in row.error and "402" in row.error
