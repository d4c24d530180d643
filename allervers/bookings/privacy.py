"""What the bookings hold about a person, declared to the personal-data registry
(`core/privacy.py`, docs/privacy.md « The registry »): appointments and workshop registrations
carry a followed person or a first name, a phone and an e-mail address. They are exported with
the person (`person_rights.person_bookings`), detached from her when she is erased
(`person_rights.person_bookings_erase`), and the contact details of bookings without a person go
`ALLERVERS_BOOKING_CONTACT_DAYS` days after (`retention.booking_contacts_erase`)."""

import datetime

from django.conf import settings

from allervers.core.french import plural
from allervers.core.privacy import PersonDataHolder, SweepPart, register

from .person_rights import person_bookings, person_bookings_erase
from .retention import booking_contacts_erase


def _export(operator, person) -> dict:
    return {"bookings": person_bookings(operator.pk, person.pk)}


def _erase(*, operator_id: int, person_id: int) -> dict[str, int]:
    return {"bookings": person_bookings_erase(operator_id=operator_id, person_id=person_id)}


def _sweep(now: datetime.datetime) -> SweepPart:
    count = booking_contacts_erase(now=now)
    erased = f"{count} {plural(count, 'réservation', 'réservations')}"
    days = settings.ALLERVERS_BOOKING_CONTACT_DAYS
    return SweepPart(
        counts={"booking_contacts_erased": count},
        lines=[
            f"Rendez-vous et ateliers : coordonnées effacées pour {erased} sans personne "
            f"suivie (plus de {days} jours après)."
        ],
    )


HOLDER = register(
    PersonDataHolder(
        app_label="bookings",
        position=40,
        models=("bookings.Appointment", "bookings.Registration"),
        export=_export,
        erase=_erase,
        sweep=_sweep,
    )
)
