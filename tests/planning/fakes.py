"""Stand-ins for what the planning talks to: the address service, the change listeners."""

from decimal import Decimal

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


class RecordingListener:
    """A listener that stands for the bookings app: it records what it was told."""

    def __init__(self):
        self.changes = []

    def __call__(self, change):
        self.changes.append(change)
