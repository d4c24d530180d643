"""Stand-ins for what the planning talks to: the address service, the apps listening to stop
changes."""

from decimal import Decimal
from types import SimpleNamespace

from allervers.planning.geocoding import GeocodedPlace

KNOWN_ADDRESSES = {
    "Place du Regain, 62620, Barlin": GeocodedPlace(
        latitude=Decimal("50.458900"),
        longitude=Decimal("2.613500"),
        label="Place du Regain 62620 Barlin",
    )
}


class FakeGeocoder:
    available = True
    queries: list[str] = []

    def geocode(self, address: str) -> GeocodedPlace | None:
        FakeGeocoder.queries.append(address)
        return KNOWN_ADDRESSES.get(address)


class RecordingReceiver:
    """A receiver of `stop_changed` that stands for the bookings app: it records what it was
    told, one `SimpleNamespace(sender=..., kind=..., stop_id=...)` per signal."""

    def __init__(self):
        self.changes = []

    def __call__(self, sender, **kwargs):
        kwargs.pop("signal")
        self.changes.append(SimpleNamespace(sender=sender, **kwargs))
