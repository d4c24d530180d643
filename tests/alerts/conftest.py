import pytest

from allervers.bookings.sms import fake


@pytest.fixture(autouse=True)
def fake_provider(settings):
    """Every alerts test sends to the local fake provider (`bookings/sms/fake.py`), emptied."""
    settings.ALLERVERS_SMS_BACKEND = "fake"
    settings.ALLERVERS_SMS_FAKE_RATE_PER_SECOND = 0
    settings.ALLERVERS_SMS_INBOUND_SECRET = "secret-de-test"
    fake.fake_reset()
    yield fake
    fake.fake_reset()
