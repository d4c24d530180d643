"""What the screenings of rights hold about a person, declared to the personal-data registry
(`core/privacy.py`, docs/privacy.md « The registry »): a screening belongs to a visit, so it
reaches the person through her visit (which her erasure unlinks); its answers are emptied by the
daily sweep once its referrals are closed (`services.screening_inputs_expire`), and the
person's export lists her screenings (`person_rights.person_screenings`). The links of
« Vos droits estimés » sent to her (`EstimatedRightsLink`: a masked address, her name when she
asked for it) are in her export, deleted by her erasure, and deleted by the sweep once expired,
revoked or failed (`sharing`)."""

import datetime

from allervers.core.french import plural
from allervers.core.privacy import PersonDataHolder, SweepPart, register

from .person_rights import person_screenings
from .services import screening_inputs_expire
from .sharing import links_expire, person_links, person_links_erase


def _export(operator, person) -> dict:
    return {
        "screenings": person_screenings(operator.pk, person.pk),
        "estimated_rights_links": person_links(operator.pk, person.pk),
    }


def _erase(*, operator_id: int, person_id: int) -> dict[str, int]:
    return {
        "estimated_rights_links": person_links_erase(operator_id=operator_id, person_id=person_id)
    }


def _sweep(now: datetime.datetime) -> SweepPart:
    count = screening_inputs_expire(now=now)
    emptied = f"{count} {plural(count, 'repérage', 'repérages')}"
    links = links_expire(now=now)
    return SweepPart(
        counts={"screenings_emptied": count, "estimated_rights_links_deleted": links},
        lines=[
            f"Repérages des droits : réponses effacées pour {emptied} sans orientation en cours.",
            f"Liens « Vos droits estimés » : {links} "
            f"{plural(links, 'lien supprimé', 'liens supprimés')} "
            "(expirés, retirés ou non envoyés).",
        ],
    )


HOLDER = register(
    PersonDataHolder(
        app_label="screening",
        position=30,
        models=("screening.Screening", "screening.ScreeningRight", "screening.EstimatedRightsLink"),
        export=_export,
        erase=_erase,
        sweep=_sweep,
    )
)
