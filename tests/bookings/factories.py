import datetime

import factory

from allervers.bookings.models import Appointment, AppointmentOpening, Registration, Workshop
from tests.planning.factories import StopFactory, future_stop


class AppointmentOpeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentOpening

    stop = factory.LazyFunction(future_stop)
    operator = factory.SelfAttribute("stop.operator")
    partner = None
    start_time = factory.SelfAttribute("stop.start_time")
    end_time = factory.SelfAttribute("stop.end_time")
    slot_minutes = 30
    desks = 1


class AppointmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Appointment

    opening = factory.SubFactory(AppointmentOpeningFactory)
    operator = factory.SelfAttribute("opening.operator")
    start_time = factory.SelfAttribute("opening.start_time")
    end_time = factory.LazyAttribute(
        lambda o: (
            datetime.datetime.combine(datetime.date(2000, 1, 1), o.start_time)
            + datetime.timedelta(minutes=o.opening.slot_minutes)
        ).time()
    )
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    phone = factory.Sequence(lambda n: f"+3361234{n:04d}")
    contact_consent = True


class WorkshopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workshop

    stop = factory.LazyFunction(future_stop)
    operator = factory.SelfAttribute("stop.operator")
    title = "Atelier CV"
    start_time = factory.SelfAttribute("stop.start_time")
    end_time = factory.SelfAttribute("stop.end_time")
    capacity = 8


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    workshop = factory.SubFactory(WorkshopFactory)
    operator = factory.SelfAttribute("workshop.operator")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    phone = factory.Sequence(lambda n: f"+3361234{n:04d}")
    contact_consent = True


__all__ = [
    "AppointmentFactory",
    "AppointmentOpeningFactory",
    "RegistrationFactory",
    "StopFactory",
    "WorkshopFactory",
]
