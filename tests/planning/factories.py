import datetime

import factory
from django.utils import timezone

from allervers.planning.enums import DutyRole, SpaceKind
from allervers.planning.models import (
    PartnerPresence,
    SchedulePattern,
    Site,
    Space,
    StaffAssignment,
    Stop,
    Vehicle,
)
from tests.operators.factories import OperatorFactory, UserFactory
from tests.partners.factories import PartnerFactory


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    operator = factory.SubFactory(OperatorFactory)
    name = factory.Sequence(lambda n: f"Bus {n}")
    wheelchair_accessible = True


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Space

    vehicle = factory.SubFactory(VehicleFactory)
    operator = factory.SelfAttribute("vehicle.operator")
    kind = SpaceKind.OFFICE
    name = factory.Sequence(lambda n: f"Espace {n}")
    capacity = 4


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    operator = factory.SubFactory(OperatorFactory)
    name = factory.Sequence(lambda n: f"Place numéro {n}")
    slug = factory.Sequence(lambda n: f"place-{n}")
    address = "1 place du Regain"
    postcode = "62620"
    city = "Barlin"


class StopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stop

    operator = factory.SubFactory(OperatorFactory)
    vehicle = factory.SubFactory(VehicleFactory, operator=factory.SelfAttribute("..operator"))
    site = factory.SubFactory(SiteFactory, operator=factory.SelfAttribute("..operator"))
    date = factory.LazyFunction(timezone.localdate)
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)


class SchedulePatternFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SchedulePattern

    operator = factory.SubFactory(OperatorFactory)
    vehicle = factory.SubFactory(VehicleFactory, operator=factory.SelfAttribute("..operator"))
    site = factory.SubFactory(SiteFactory, operator=factory.SelfAttribute("..operator"))
    weekday = 0
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)
    valid_from = datetime.date(2025, 1, 1)
    valid_until = datetime.date(2025, 12, 31)


class PartnerPresenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerPresence

    stop = factory.SubFactory(StopFactory)
    operator = factory.SelfAttribute("stop.operator")
    partner = factory.SubFactory(PartnerFactory, operator=factory.SelfAttribute("..operator"))


class StaffAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAssignment

    stop = factory.SubFactory(StopFactory)
    operator = factory.SelfAttribute("stop.operator")
    user = factory.SubFactory(UserFactory)
    duty_role = DutyRole.RECEPTION


def future_stop(**fields) -> Stop:
    """A held stop a few days ahead (partners may still declare their presence on it)."""
    fields.setdefault("date", timezone.localdate() + datetime.timedelta(days=7))
    return StopFactory(**fields)
