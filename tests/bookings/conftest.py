import pytest


@pytest.fixture(autouse=True)
def _sms_in_the_tests_directory(sms_outbox):
    """Every bookings test writes its SMS in its own directory (`sms_outbox`: tests/conftest.py)."""
    return sms_outbox
