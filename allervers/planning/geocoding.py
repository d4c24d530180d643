"""Finding a site's coordinates from its address, behind a small interface.

The national address service (api-adresse.data.gouv.fr) is not reachable from every
installation, so the default geocoder finds nothing and the coordinator types the coordinates.
An installation that can reach a service names its geocoder in the `PLANNING_GEOCODER` setting
(a dotted path to a class with a `geocode(address)` method); tests use a fake.
"""

import json
import logging
import urllib.parse
import urllib.request
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GeocodedPlace:
    latitude: Decimal
    longitude: Decimal
    label: str


class Geocoder(Protocol):
    def geocode(self, address: str) -> GeocodedPlace | None:
        """The best match for `address`, or None when nothing (or no service) answers."""


class NoGeocoder:
    """The default: no service is reachable, coordinates are typed in."""

    available = False

    def geocode(self, address: str) -> GeocodedPlace | None:
        return None


class AddressApiGeocoder:
    """The French national address service (Base Adresse Nationale), for installations that
    can reach it. Any network or format error means "not found": the form then asks for the
    coordinates."""

    available = True
    url = "https://api-adresse.data.gouv.fr/search/"
    timeout = 5

    def geocode(self, address: str) -> GeocodedPlace | None:
        query = urllib.parse.urlencode({"q": address, "limit": 1})
        try:
            with urllib.request.urlopen(f"{self.url}?{query}", timeout=self.timeout) as response:
                feature = json.load(response)["features"][0]
            longitude, latitude = feature["geometry"]["coordinates"]
            label = feature["properties"].get("label", address)
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            logger.warning("Address service did not answer for %r", address, exc_info=True)
            return None
        return GeocodedPlace(
            latitude=Decimal(str(latitude)).quantize(Decimal("0.000001")),
            longitude=Decimal(str(longitude)).quantize(Decimal("0.000001")),
            label=label,
        )


def get_geocoder() -> Geocoder:
    path = getattr(settings, "PLANNING_GEOCODER", "allervers.planning.geocoding.NoGeocoder")
    return import_string(path)()
