"""What the screenings of rights hold about a person, declared to the personal-data registry
(`core/privacy.py`, docs/privacy.md « The registry »): a screening belongs to a visit, so it
reaches the person through her visit (which her erasure unlinks); its answers are emptied by the
daily sweep once its referrals are closed (`services.screening_inputs_expire`), and the
person's export lists her screenings (`person_rights.person_screenings`)."""

import datetime

from allervers.core.french import plural
from allervers.core.privacy import PersonDataHolder, SweepPart, register

from .person_rights import person_screenings
from .services import screening_inputs_expire


def _export(operator, person) -> dict:
    return {"screenings": person_screenings(operator.pk, person.pk)}


def _sweep(now: datetime.datetime) -> SweepPart:
    count = screening_inputs_expire(now=now)
    emptied = f"{count} {plural(count, 'repérage', 'repérages')}"
    return SweepPart(
        counts={"screenings_emptied": count},
        lines=[
            f"Repérages des droits : réponses effacées pour {emptied} sans orientation en cours."
        ],
    )


HOLDER = register(
    PersonDataHolder(
        app_label="screening",
        position=30,
        models=("screening.Screening", "screening.ScreeningRight"),
        export=_export,
        sweep=_sweep,
    )
)
