"""What « Vos droits estimés » shows, shared by the printable page, the PDF and the public page
of a sent link: the rights found (those to ask for first), who to contact, the papers to bring,
the date; the person's name only when she asked for it. `refusal` (French) when there is
nothing to show: the answers were emptied, or no right was computed."""

import datetime

from .models import Screening
from .rights import COMMON_PAPERS, PAPERS, RIGHTS
from .services import screening_setup

NOT_ESTIMATED = (
    "Aucun droit n'est calculé pour ce repérage : la page « Vos droits estimés » ne peut pas "
    "être préparée. Relancez le calcul depuis le repérage."
)
CLEARED = (
    "Les réponses de ce repérage ont été effacées : la page « Vos droits estimés » ne peut plus "
    "être préparée."
)


def rights_shown(screening: Screening, setup) -> list[dict]:
    """Each right of the screening with its description and the partner that handles it."""
    return [
        {
            "right": right,
            "info": RIGHTS[right.kind],
            "partner": setup.partner_for(right.kind),
        }
        for right in screening.rights.all()
    ]


def refusal_of(screening: Screening) -> str:
    """Why « Vos droits estimés » cannot be made for this screening (French), or ''."""
    if screening.inputs is None:
        return CLEARED
    if screening.estimated_at is None:
        return NOT_ESTIMATED
    return ""


def estimated_rights_content(
    *, screening: Screening, operator, named: bool, today: datetime.date
) -> dict:
    """The context of the page (the screening read with its rights and its visit's person)."""
    person = screening.visit.person
    named = named and person is not None
    refusal = refusal_of(screening)
    rights = sorted(
        rights_shown(screening, screening_setup(operator)),
        key=lambda item: item["right"].already_received,
    )
    for item in rights:
        item["papers"] = PAPERS[item["right"].kind]
    return {
        "screening": screening,
        "rights": [] if refusal else rights,
        "refusal": refusal,
        "person_name": person.full_name if named else "",
        "named": named,
        "structure": operator,
        "printed_on": today,
        "common_papers": COMMON_PAPERS,
    }
