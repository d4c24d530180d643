"""The development SMS backends: printed, or appended to a file (the tests read it)."""

import pytest

from allervers.bookings import sms
from allervers.bookings.sms import fake, file


def test_the_console_backend_prints_the_sms(settings, capsys):
    settings.ALLERVERS_SMS_BACKEND = "allervers.bookings.sms.console.SmsBackend"
    assert sms.send("+33612345678", "Rendez-vous au bus.").startswith("console-")
    assert capsys.readouterr().out == "SMS à +33612345678 : Rendez-vous au bus.\n"


def test_the_file_backend_appends_one_line_per_sms(sms_outbox):
    sms.send("+33612345678", "Un")
    sms.send("+33698765432", "Deux « é »")
    assert sms_outbox() == [
        {"to": "+33612345678", "text": "Un"},
        {"to": "+33698765432", "text": "Deux « é »"},
    ]


def test_the_file_backend_makes_up_an_id_per_sms(sms_outbox):
    first = sms.send("+33612345678", "Un")
    second = sms.send("+33612345678", "Un")
    assert first != second and first.startswith("file-")
    assert [line["id"] for line in file.sms_written()] == [first, second]


def test_the_fake_provider_can_be_down_and_reports_what_it_sent(settings, sms_outbox):
    settings.ALLERVERS_SMS_BACKEND = "fake"
    fake.outage_start()
    with pytest.raises(sms.SmsUnavailable):
        sms.send("+33612345678", "Un")
    fake.outage_end()
    message_id = sms.send("+33612345678", "Un")
    [report] = fake.delivery_reports("delivered")
    assert report["id"] == message_id and report["status"] == "delivered"
    assert sms_outbox() == [{"to": "+33612345678", "text": "Un"}]
