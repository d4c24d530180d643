import pytest

from allervers.bookings.sms.file import sent_sms


@pytest.fixture(autouse=True)
def sms_outbox(settings, tmp_path):
    """The SMS of the test: the file backend writes into the test's own directory; call the
    fixture's value for the SMS sent so far."""
    settings.ALLERVERS_SMS_BACKEND = "file"
    settings.ALLERVERS_SMS_FILE_DIR = str(tmp_path / "sms")
    return sent_sms
