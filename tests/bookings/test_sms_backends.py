"""The development SMS backends: printed, or appended to a file (the tests read it)."""

from allervers.bookings import sms


def test_the_console_backend_prints_the_sms(settings, capsys):
    settings.ALLERVERS_SMS_BACKEND = "allervers.bookings.sms.console.SmsBackend"
    sms.send("+33612345678", "Rendez-vous au bus.")
    assert capsys.readouterr().out == "SMS à +33612345678 : Rendez-vous au bus.\n"


def test_the_file_backend_appends_one_line_per_sms(sms_outbox):
    sms.send("+33612345678", "Un")
    sms.send("+33698765432", "Deux « é »")
    assert sms_outbox() == [
        {"to": "+33612345678", "text": "Un"},
        {"to": "+33698765432", "text": "Deux « é »"},
    ]
