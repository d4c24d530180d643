import pytest

from allervers.planning.signals import stop_changed
from tests.planning.fakes import RecordingReceiver


@pytest.fixture
def listener():
    """A receiver of `stop_changed`, connected for the test: what another app would hear."""
    recording = RecordingReceiver()
    stop_changed.connect(recording)
    yield recording
    stop_changed.disconnect(recording)
