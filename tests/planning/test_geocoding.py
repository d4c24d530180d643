"""The address service behind its interface: any failure means "type the coordinates in"."""

import io
import json
from decimal import Decimal

from allervers.planning import geocoding


def test_the_default_geocoder_finds_nothing():
    assert geocoding.get_geocoder().geocode("Place du Regain, Barlin") is None


def test_the_address_api_answer_is_read(monkeypatch):
    answer = {
        "features": [
            {
                "geometry": {"coordinates": [2.6135, 50.4589]},
                "properties": {"label": "Place du Regain 62620 Barlin"},
            }
        ]
    }
    seen = []

    def fake_urlopen(url, timeout):
        seen.append(url)
        return io.BytesIO(json.dumps(answer).encode())

    monkeypatch.setattr(geocoding.urllib.request, "urlopen", fake_urlopen)
    place = geocoding.AddressApiGeocoder().geocode("Place du Regain, Barlin")
    assert place == geocoding.GeocodedPlace(
        Decimal("50.458900"), Decimal("2.613500"), "Place du Regain 62620 Barlin"
    )
    assert "q=Place+du+Regain%2C+Barlin" in seen[0]


def test_an_unreachable_or_empty_address_api_means_not_found(monkeypatch):
    def unreachable(url, timeout):
        raise OSError("network unreachable")

    monkeypatch.setattr(geocoding.urllib.request, "urlopen", unreachable)
    assert geocoding.AddressApiGeocoder().geocode("Barlin") is None
    monkeypatch.setattr(
        geocoding.urllib.request, "urlopen", lambda url, timeout: io.BytesIO(b'{"features": []}')
    )
    assert geocoding.AddressApiGeocoder().geocode("Barlin") is None
