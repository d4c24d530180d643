"""The database itself refuses what makes no sense."""

import datetime

import pytest
from django.db.models import ProtectedError

from allervers.planning.enums import CancelReason, SpaceKind, StopStatus
from tests.conftest import refused, refused_by
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    SiteFactory,
    SpaceFactory,
    StopFactory,
    VehicleFactory,
)

pytestmark = pytest.mark.django_db


def test_a_stop_cannot_end_before_it_starts():
    refused(
        "stop_end_after_start", StopFactory, start_time=datetime.time(12), end_time=datetime.time(9)
    )
    refused(
        "stop_end_after_start", StopFactory, start_time=datetime.time(9), end_time=datetime.time(9)
    )


def test_a_pattern_cannot_end_before_it_starts_nor_have_a_reversed_range():
    refused(
        "pattern_end_after_start",
        SchedulePatternFactory,
        start_time=datetime.time(12),
        end_time=datetime.time(9),
    )
    refused(
        "pattern_range_ordered",
        SchedulePatternFactory,
        valid_from=datetime.date(2025, 9, 1),
        valid_until=datetime.date(2025, 6, 30),
    )


def test_a_space_holds_at_least_one_place():
    refused("space_capacity_positive", SpaceFactory, capacity=0)


def test_a_slug_is_unique_within_one_operator_only(operator, other_operator):
    SiteFactory(operator=operator, slug="place-du-regain")
    refused("site_unique_slug", SiteFactory, operator=operator, slug="place-du-regain")
    SiteFactory(operator=other_operator, slug="place-du-regain")  # another tenant may reuse it
    PartnerFactory(operator=operator, slug="mission-locale")
    refused("partner_unique_slug", PartnerFactory, operator=operator, slug="mission-locale")


def test_a_cancelled_stop_needs_a_reason_and_a_held_one_has_none():
    refused(
        "stop_cancel_reason_iff_cancelled",
        StopFactory,
        status=StopStatus.CANCELLED,
        cancel_reason="",
    )
    refused(
        "stop_cancel_reason_iff_cancelled",
        StopFactory,
        status=StopStatus.HELD,
        cancel_reason=CancelReason.WEATHER,
    )


def test_a_site_or_partner_with_history_cannot_be_deleted():
    presence = PartnerPresenceFactory()
    with pytest.raises(ProtectedError):
        presence.stop.site.delete()
    with pytest.raises(ProtectedError):
        presence.partner.delete()


def test_a_site_without_history_can_be_deleted():
    site = SiteFactory()
    site.delete()


def test_one_vehicle_is_never_at_two_places_at_once(operator):
    vehicle = VehicleFactory(operator=operator)
    day = datetime.date(2025, 3, 3)
    StopFactory(operator=operator, vehicle=vehicle, date=day)
    refused(
        "stop_overlap",
        StopFactory,
        operator=operator,
        vehicle=vehicle,
        date=day,
        start_time=datetime.time(11),
        end_time=datetime.time(13),
    )
    # Back to back is fine, so is another day, another vehicle, or a cancelled stop.
    StopFactory(
        operator=operator,
        vehicle=vehicle,
        date=day,
        start_time=datetime.time(12),
        end_time=datetime.time(14),
    )
    StopFactory(operator=operator, vehicle=vehicle, date=day + datetime.timedelta(days=1))
    StopFactory(operator=operator, date=day)
    StopFactory(
        operator=operator,
        vehicle=vehicle,
        date=day,
        status=StopStatus.CANCELLED,
        cancel_reason=CancelReason.WEATHER,
    )


def test_moving_a_stop_onto_another_is_refused(operator):
    vehicle = VehicleFactory(operator=operator)
    day = datetime.date(2025, 3, 3)
    StopFactory(operator=operator, vehicle=vehicle, date=day)
    other = StopFactory(operator=operator, vehicle=vehicle, date=day + datetime.timedelta(days=1))
    other.date = day
    with refused_by("stop_overlap"):
        other.save()


def test_a_space_kind_appears_once_per_vehicle():
    space = SpaceFactory(kind=SpaceKind.CYBER, capacity=8)
    refused(
        "space_unique_kind_per_vehicle", SpaceFactory, vehicle=space.vehicle, kind=SpaceKind.CYBER
    )


def test_a_space_name_appears_once_per_structure():
    space = SpaceFactory(kind=SpaceKind.CYBER, name="Cyber")
    refused(
        "space_unique_name",
        SpaceFactory,
        vehicle__operator=space.operator,
        kind=SpaceKind.CYBER,
        name="Cyber",
    )
