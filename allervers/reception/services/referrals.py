"""Referrals: a visit's person sent to a partner, followed until taken up or dropped."""

import datetime

from django.db import transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.core.versions import check_version
from allervers.partners.models import Partner
from allervers.screening import closing as screening_closing
from allervers.screening.enums import RightOutcome

from ..enums import REFERRAL_TRANSITIONS, ReferralStatus
from ..models import Referral, ReferralEvent, Visit
from .checks import refuse

STATUS_DATE_FIELD = {
    ReferralStatus.SENT: "sent_at",
    ReferralStatus.TAKEN_UP: "taken_up_at",
    ReferralStatus.DROPPED: "dropped_at",
}


def _event_add(referral: Referral, status: str, at: datetime.datetime, user, note="") -> None:
    ReferralEvent.objects.create(
        operator_id=referral.operator_id,
        referral=referral,
        status=status,
        changed_at=at,
        changed_by=user,
        note=note,
    )


@transaction.atomic
def referral_create(
    *,
    visit: Visit,
    partner: Partner,
    reason: str,
    user,
    now: datetime.datetime | None = None,
    request=None,
) -> Referral:
    """Propose to send the visit's person to a partner. Journaled for `request`."""
    now = now or timezone.now()
    if partner.operator_id != visit.operator_id:
        refuse("Ce partenaire n'appartient pas à votre structure.", "foreign_partner")
    if partner.is_archived:
        refuse(
            f"Le partenaire « {partner} » est archivé : on ne peut plus lui adresser "
            "d'orientation.",
            "archived_partner",
        )
    reason = reason.strip()
    if not reason:
        refuse("Indiquez le motif de l'orientation.", "no_reason")
    referral = Referral.objects.create(
        operator_id=visit.operator_id,
        visit=visit,
        partner=partner,
        reason=reason,
        status=ReferralStatus.PROPOSED,
        proposed_at=now,
        status_changed_at=now,
        status_changed_by=user,
        created_by=user,
    )
    _event_add(referral, ReferralStatus.PROPOSED, now, user)
    journal(request, Action.REFERRAL_CREATED, referral)
    return referral


@transaction.atomic
def referral_update_status(
    *,
    referral: Referral,
    status: str,
    user,
    note: str = "",
    now: datetime.datetime | None = None,
    version: int | None = None,
    right_outcome: str = "",
    request=None,
) -> Referral:
    """Move a referral along proposée → transmise → prise en charge (or abandonnée).
    The row is locked and read again here; `version` (the one the status form showed): refused
    if the status changed since, naming who changed it (nothing saved).

    The one place where a referral closes: when it was made for a right found by a screening,
    the right's outcome is recorded with it (`screening.closing`): « abandonnée » drops the
    right; « prise en charge » needs `right_outcome` (opened or refused). Journaled for
    `request`."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    check_version(shown=version, current=referral.version, changed_by=referral.status_changed_by)
    if status not in ReferralStatus.values:
        refuse(f"Statut inconnu : {status!r}.", "unknown_status")
    if status not in REFERRAL_TRANSITIONS[referral.status]:
        refuse(
            f"Une orientation « {referral.get_status_display().lower()} » ne peut pas passer à "
            f"« {ReferralStatus(status).label.lower()} ».",
            "bad_transition",
        )
    right = screening_closing.right_outcome_checked(
        referral=referral, status=status, outcome=right_outcome
    )
    referral.status = status
    setattr(referral, STATUS_DATE_FIELD[status], now)
    if status == ReferralStatus.TAKEN_UP and referral.sent_at is None:
        referral.sent_at = now  # taken up implies it reached the partner
    referral.status_changed_at = now
    referral.status_changed_by = user
    referral.version += 1
    referral.save()
    if right is not None:
        outcome = screening_closing.right_outcome_record(
            right=right, status=status, outcome=right_outcome, now=now
        )
        note = " — ".join(part for part in (RightOutcome(outcome).label, note.strip()) if part)
    _event_add(referral, status, now, user, note.strip()[:300])
    detail = f"statut : {ReferralStatus(status).label.lower()}"
    journal(request, Action.REFERRAL_CHANGED, referral, detail=detail)
    return referral
