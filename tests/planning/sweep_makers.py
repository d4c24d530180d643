"""Makers for the URL arguments of the planning, used by the role × URL sweep."""

import datetime

from django.utils import timezone

from allervers.planning.models import RotaLine
from tests.partners.factories import PartnerFactory
from tests.planning.factories import (
    PartnerPresenceFactory,
    SchedulePatternFactory,
    SiteFactory,
    StaffAssignmentFactory,
    StopFactory,
    VehicleFactory,
)


def _future_stop(operator):
    return StopFactory(operator=operator, date=timezone.localdate() + datetime.timedelta(days=3))


def _presence(operator, membership):
    """A presence the member may act on: its own organisation's, for a partner."""
    own = membership is not None and membership.operator_id == operator.pk and membership.partner
    partner = membership.partner if own else PartnerFactory(operator=operator)
    return PartnerPresenceFactory(stop=_future_stop(operator), operator=operator, partner=partner)


def _rota_line(operator):
    pattern = SchedulePatternFactory(operator=operator)
    return RotaLine.objects.create(
        operator=operator, pattern=pattern, partner=PartnerFactory(operator=operator)
    )


MAKERS = {
    "line_id": lambda operator, membership: _rota_line(operator).pk,
    "stop_id": lambda operator, membership: StopFactory(operator=operator).pk,
    "site_id": lambda operator, membership: SiteFactory(operator=operator).pk,
    "pattern_id": lambda operator, membership: SchedulePatternFactory(operator=operator).pk,
    "presence_id": lambda operator, membership: _presence(operator, membership).pk,
    "vehicle_id": lambda operator, membership: VehicleFactory(operator=operator).pk,
    "assignment_id": lambda operator, membership: (
        StaffAssignmentFactory(stop=_future_stop(operator), operator=operator).pk
    ),
}
