"""The writes of the screening of rights: record a screening and its estimate, turn a right found
into a referral, record the right's outcome, and empty the answers once they are no longer
needed (docs/privacy.md)."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.operators.models import Operator
from allervers.reception.enums import OPEN_REFERRAL_STATUSES
from allervers.reception.models import Referral, Visit
from allervers.reception.services.referrals import referral_create, referral_update_status

from . import closing, engine
from .enums import RightKind, RightOutcome
from .models import Screening, ScreeningRight, ScreeningSetup


def _refuse(message: str, code: str) -> None:
    raise ValidationError(message, code=code)


def month_of(now: datetime.datetime) -> datetime.date:
    """The month an estimate is for: the local month of `now`."""
    return timezone.localdate(now).replace(day=1)


def screening_setup(operator: Operator) -> ScreeningSetup:
    """The operator's settings (unsaved defaults when the coordinator never set them)."""
    return ScreeningSetup.objects.filter(operator=operator).first() or ScreeningSetup(
        operator=operator
    )


@transaction.atomic
def screening_setup_update(*, operator: Operator, values: dict) -> ScreeningSetup:
    """Save the commune proposed by default and the partner of each right."""
    for key, partner in values.items():
        if key.startswith("partner_") and partner and partner.operator_id != operator.pk:
            _refuse("Ce partenaire n'appartient pas à votre structure.", "foreign_partner")
    setup, _ = ScreeningSetup.objects.select_for_update().update_or_create(
        operator=operator, defaults=values
    )
    return setup


def screening_record(
    *, visit: Visit, inputs: dict, user, now: datetime.datetime | None = None, request=None
) -> Screening:
    """Keep the household's answers, then estimate its rights for the current month. The answers
    are saved first (their own transaction), so that an estimate that fails or runs past its
    bound loses nothing: the screening then holds the French reason (`failure`) and the agent
    runs it again from its page (`screening_estimate`). Journaled for `request` (a change of
    the visit)."""
    now = now or timezone.now()
    with transaction.atomic():
        screening = Screening.objects.create(
            operator_id=visit.operator_id,
            visit=visit,
            month=month_of(now),
            made_at=now,
            made_by=user,
            inputs=inputs,
        )
        journal(request, Action.VISIT_CHANGED, visit, detail="repérage des droits")
    return screening_estimate(screening=screening, now=now)


def screening_estimate(*, screening: Screening, now: datetime.datetime | None = None) -> Screening:
    """Estimate the rights of a screening whose answers are kept and not yet estimated, within
    `ALLERVERS_SCREENING_SECONDS`; the computation runs outside any transaction (it holds no
    lock while it takes its time). A failure is recorded on the screening, never raised."""
    now = now or timezone.now()
    screening.refresh_from_db()
    if screening.inputs is None:
        _refuse("Ce repérage est clos : ses réponses ont été effacées.", "screening_closed")
    if screening.estimated_at is not None:
        return screening
    try:
        estimates = engine.estimate_within(
            engine.Household.from_inputs(screening.inputs),
            screening.month,
            settings.ALLERVERS_SCREENING_SECONDS,
        )
    except engine.EngineError as error:
        return _screening_failed(screening=screening, failure=str(error))
    return _screening_estimated(screening=screening, estimates=estimates, now=now)


@transaction.atomic
def _screening_failed(*, screening: Screening, failure: str) -> Screening:
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    if screening.estimated_at is None:  # not estimated meanwhile by a second try
        screening.failure = failure[: Screening._meta.get_field("failure").max_length]
        screening.save(update_fields=["failure"])
    return screening


@transaction.atomic
def _screening_estimated(*, screening: Screening, estimates, now) -> Screening:
    screening = Screening.objects.select_for_update().get(pk=screening.pk)
    if screening.estimated_at is not None or screening.inputs is None:
        return screening  # a second try finished first: its rights stand
    received = set(screening.inputs.get("received", ()))
    rights = [
        ScreeningRight(
            operator_id=screening.operator_id,
            screening=screening,
            made_on=timezone.localdate(now),
            kind=found.kind,
            amount=found.amount,
            participation=found.participation,
            already_received=found.kind in received,
            likely_missing=found.kind not in received,
        )
        for found in estimates
        if found.eligible
    ]
    ScreeningRight.objects.bulk_create(rights)
    screening.kinds_found = [right.kind for right in rights]
    screening.estimated_at = now
    screening.failure = ""
    screening.save(update_fields=["kinds_found", "estimated_at", "failure"])
    return screening


@transaction.atomic
def screening_right_refer(
    *, right: ScreeningRight, user, now: datetime.datetime | None = None, request=None
) -> Referral:
    """Send the person to the partner that handles this right (the coordinator's setting), with
    the right as the referral's reason. A second call returns the first referral. Journaled for
    `request`."""
    now = now or timezone.now()
    right = (
        ScreeningRight.objects.select_for_update(of=("self",))
        .select_related("screening")
        .get(pk=right.pk)
    )
    if right.referral_id is not None:
        journal(request, Action.REFERRAL_CREATED, right.referral)
        return right.referral
    if right.screening is None or right.screening.inputs is None:
        _refuse("Ce repérage est clos : ses réponses ont été effacées.", "screening_closed")
    if not right.likely_missing:
        _refuse("Ce droit est déjà perçu : pas d'orientation à faire.", "already_received")
    label = RightKind(right.kind).label
    partner = screening_setup(right.screening.visit.operator).partner_for(right.kind)
    if partner is None:
        _refuse(
            f"Aucun partenaire n'est associé au droit « {label} » : le coordinateur le choisit "
            "dans les réglages du repérage des droits.",
            "no_partner",
        )
    referral = referral_create(
        visit=right.screening.visit,
        partner=partner,
        reason=f"Droit probablement non perçu : {label} (repérage des droits)",
        user=user,
        now=now,
        request=request,
    )
    right.referral = referral
    right.referred_at = now
    right.save(update_fields=["referral", "referred_at"])
    return referral


@transaction.atomic
def screening_right_outcome_set(
    *,
    right: ScreeningRight,
    outcome: str,
    user,
    now: datetime.datetime | None = None,
    request=None,
) -> ScreeningRight:
    """Record what became of the right (opened, refused, dropped) by closing its referral (the
    one status change, which records the outcome: `closing`); when no referral of the screening
    stays open, its answers are emptied. Journaled for `request` (a change of the referral)."""
    now = now or timezone.now()
    # Lock in the order of the referral's status change (the referral, then its right), so that
    # closing it from both pages at once waits instead of deadlocking.
    referral_id = ScreeningRight.objects.values_list("referral_id", flat=True).get(pk=right.pk)
    if referral_id is not None:
        list(Referral.objects.select_for_update().filter(pk=referral_id).values_list("pk"))
    right = ScreeningRight.objects.select_for_update().get(pk=right.pk)
    if outcome not in RightOutcome.values:
        _refuse("Choisissez l'issue : droit ouvert, refusé ou abandonné.", "unknown_outcome")
    if right.outcome:
        _refuse(
            f"L'issue de ce droit est déjà renseignée : « {right.get_outcome_display()} ».",
            "outcome_known",
        )
    if right.referral_id is None:
        _refuse("Ce droit n'a pas fait l'objet d'une orientation.", "not_referred")
    referral = right.referral
    if referral.status in OPEN_REFERRAL_STATUSES:
        referral_update_status(
            referral=referral,
            status=closing.STATUS_OF_OUTCOME[outcome],
            right_outcome=outcome,
            user=user,
            now=now,
        )
    else:
        # A referral closed before its outcome was asked on the referral's page: the outcome
        # must agree with how it closed.
        closing.right_outcome_checked(referral=referral, status=referral.status, outcome=outcome)
        closing.right_outcome_record(right=right, status=referral.status, outcome=outcome, now=now)
    right.refresh_from_db()
    journal(request, Action.REFERRAL_CHANGED, referral, detail="issue du droit")
    return right


def screening_inputs_expire(*, now: datetime.datetime | None = None) -> int:
    """The sweep (for `manage.py privacy_sweep`): empty the answers of every screening made
    before today that has no open referral left (none was made; closing the last one empties
    the answers at once). Returns how many were emptied."""
    now = now or timezone.now()
    start_of_today = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now), datetime.time.min)
    )
    expired = (
        Screening.objects.filter(inputs__isnull=False, made_at__lt=start_of_today)
        .exclude(rights__referral__status__in=OPEN_REFERRAL_STATUSES)
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in list(expired):
        closing.screening_inputs_clear(screening=Screening(pk=pk), now=now)
        count += 1
    return count
