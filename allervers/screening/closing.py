"""What happens to a screening when a referral made from one of its rights closes: the right's
outcome is recorded, and once no referral of the screening stays open, its answers are emptied
(docs/privacy.md).

The one status change of a referral (`reception.services.referrals.referral_update_status`,
from the referral's page or from the right's) calls `right_outcome_checked` before it writes and
`right_outcome_record` after; the closing status says the outcome when it can:
- « abandonnée »: the right is dropped;
- « prise en charge »: the partner took the request up, which does not say whether the right was
  opened or refused: the person closing the referral says which (the referral's page asks).

This module imports no service of the reception (which calls it)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.reception.enums import OPEN_REFERRAL_STATUSES, ReferralStatus

from .enums import RightKind, RightOutcome, amount_band
from .models import Screening, ScreeningRight

# The outcomes a closing status allows.
OUTCOMES_OF_STATUS: dict[str, tuple[str, ...]] = {
    ReferralStatus.TAKEN_UP: (RightOutcome.OPENED, RightOutcome.REFUSED),
    ReferralStatus.DROPPED: (RightOutcome.DROPPED,),
}
# The status that closes a referral with a right's outcome (the right's page).
STATUS_OF_OUTCOME: dict[str, str] = {
    outcome: status for status, outcomes in OUTCOMES_OF_STATUS.items() for outcome in outcomes
}
FIELD = "right_outcome"  # the field of the referral's status form that asks the outcome


def _refuse(message: str, code: str) -> None:
    raise ValidationError({FIELD: ValidationError(message, code=code)})


def _pending(referral):
    return ScreeningRight.objects.filter(
        operator_id=referral.operator_id, referral_id=referral.pk, outcome=""
    )


def pending_right(referral) -> ScreeningRight | None:
    """The right a referral was made for, while its outcome is not known."""
    return _pending(referral).first()


def right_outcome_checked(*, referral, status: str, outcome: str) -> ScreeningRight | None:
    """Before `referral` changes to `status`: the right whose outcome this change records
    (locked), or None when there is none to record; refuses (French, on the form's outcome field)
    an outcome the status does not allow, or a « prise en charge » without its outcome."""
    right = _pending(referral).select_for_update().first()
    if outcome and outcome not in RightOutcome.values:
        _refuse("Issue du droit inconnue.", "unknown_outcome")
    if right is None or status in OPEN_REFERRAL_STATUSES:
        if outcome:
            _refuse(
                "L'issue d'un droit s'indique quand une orientation faite pour ce droit est "
                "prise en charge ou abandonnée.",
                "no_outcome_here",
            )
        return None
    allowed = OUTCOMES_OF_STATUS[status]
    if len(allowed) == 1 and outcome in ("", allowed[0]):
        return right
    if outcome not in allowed:
        label = RightKind(right.kind).label
        choices = " ou ".join(f"« {RightOutcome(value).label.lower()} »" for value in allowed)
        if outcome:
            message = (
                f"Une orientation « {ReferralStatus(status).label.lower()} » ne peut pas avoir "
                f"pour issue « {RightOutcome(outcome).label.lower()} » : choisissez {choices}."
            )
        else:
            message = f"Indiquez l'issue du droit « {label} » : {choices}."
        _refuse(message, "outcome_needed")
    return right


def right_outcome_record(
    *, right: ScreeningRight, status: str, outcome: str, now: datetime.datetime
) -> str:
    """After the referral closed with `status`: record the right's outcome (checked by
    `right_outcome_checked`) and empty the screening's answers once none of its referrals stays
    open. Returns the outcome."""
    outcome = outcome or OUTCOMES_OF_STATUS[status][0]
    right.outcome = outcome
    right.outcome_at = now
    right.save(update_fields=["outcome", "outcome_at"])
    if right.screening_id is not None:
        screening_referral_closed(screening=right.screening, now=now)
    return outcome


def screening_referral_closed(*, screening: Screening, now: datetime.datetime | None = None):
    """Called when a referral made from the screening closes: once none stays open, the
    screening's answers are emptied."""
    still_open = screening.rights.filter(referral__status__in=OPEN_REFERRAL_STATUSES).exists()
    if not still_open:
        screening_inputs_clear(screening=screening, now=now)


@transaction.atomic
def screening_inputs_clear(*, screening: Screening, now: datetime.datetime | None = None) -> None:
    """Empty the answers; detach the rights: each keeps its month, kind, outcome and amount band
    (never its amount, which could be tied back to the visit). The visit keeps the list of the
    kinds of rights found."""
    now = now or timezone.now()
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    if screening.inputs is None:
        return
    rights = list(ScreeningRight.objects.filter(screening=screening).order_by("pk"))
    screening.kinds_found = [right.kind for right in rights]
    screening.inputs = None
    screening.inputs_cleared_at = now
    screening.save(update_fields=["kinds_found", "inputs", "inputs_cleared_at"])
    for right in rights:
        right.amount_band = amount_band(right.amount)
        right.amount = None
        right.participation = None
        right.made_on = right.made_on.replace(day=1)
        right.screening = None
        right.referral = None
    ScreeningRight.objects.bulk_update(
        rights,
        ["amount_band", "amount", "participation", "made_on", "screening", "referral"],
    )
