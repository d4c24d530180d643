"""A person's rights and the retention rule: withdraw a consent, erase on request, anonymise.

Erasure on request (`person_erase`) and anonymisation at the end of the retention period
(`retention_sweep`) make one and the same change, `person_anonymise`:
- the person's row goes, with their consents (names, phone, e-mail);
- their visits stay, as anonymous rows: the link to the person goes, their free note is emptied,
  and they share a random number (`Visit.anonymous_group`) so that « personnes différentes »
  still counts them as one person, as before;
- the history lines of those visits lose the values that pointed at the person (the record's
  number) or were typed freely (the note);
- the referrals of those visits keep their partner, status and dates (the take-up figures) but
  lose their free text: the reason becomes « Motif effacé », the steps' notes are emptied;
- their bookings (appointments, workshop registrations) keep their date, place and status but
  lose the link to the person and their contact details (first name, phone, e-mail), and their
  link stops working (`bookings.person_rights`).
Each app does its own share, declared to the personal-data registry (`core/privacy.py`): the
reception's is `person_visits_detach`; this module never imports the other apps.
Each is logged in the access log without a name: PERSON_ERASED (with the user) or
PERSON_ANONYMISED (no user).

A person's last contact (docs/privacy.md, « Retention ») is the latest of: the record's creation,
their last visit's arrival, the last status change of a referral of their visits, the last
consent recorded or withdrawn. A person is anonymised by the sweep when that contact is older
than `ALLERVERS_PERSON_RETENTION_MONTHS` months, or when no consent of theirs is in force.
"""

import datetime
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import record
from allervers.core.dates import months_after, months_before
from allervers.core.french import plural
from allervers.core.privacy import SweepPart, person_erase_everywhere, sweep
from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import has_role
from allervers.operators.models import Operator

from ..enums import ConsentPurpose, ErasureDecision
from ..models import (
    ErasureRequest,
    Person,
    PersonConsent,
    Referral,
    ReferralEvent,
    Visit,
    VisitChange,
)
from ..queries import persons_with_last_contact
from .checks import refuse
from .persons import checked_consent, consents_add

ERASED_REASON = "Motif effacé"
ERASED_VALUE = "effacé"
# The history's answers that point at the person or were typed freely.
ERASED_HISTORY_FIELDS = ("person", "note")
ALREADY_ERASED = "Cette fiche a déjà été effacée : il n'y a plus rien à effacer."


@dataclass(frozen=True)
class Anonymised:
    """What an anonymisation changed (counts only: nothing of the person is left to say), by the
    registry's holders: `visits`, `referrals` (the reception's), `bookings`... (0 when none)."""

    person_id: int
    counts: dict[str, int] = field(default_factory=dict)

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.counts.get(name, 0)


@transaction.atomic
def person_anonymise(*, person: Person) -> Anonymised:
    """Remove the person's identity and free texts: every holder of the personal-data registry
    (`core/privacy.py`) erases or detaches what it holds about her, then her row goes."""
    locked = Person.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None:
        refuse(ALREADY_ERASED, "already_erased")
    counts = person_erase_everywhere(operator_id=locked.operator_id, person_id=locked.pk)
    person_id = locked.pk
    locked.delete()
    return Anonymised(person_id=person_id, counts=counts)


def person_visits_detach(*, operator_id: int, person_id: int) -> dict[str, int]:
    """The reception's share of an anonymisation (its registry's `erase`): the visits stay,
    unlinked, in one random anonymous group and without their note; their history and
    referrals lose their free texts; the person's erasure requests are closed."""
    visit_ids = list(
        Visit.objects.select_for_update()
        .filter(operator_id=operator_id, person_id=person_id)
        .values_list("pk", flat=True)
    )
    visits = Visit.objects.filter(pk__in=visit_ids)
    visits.update(
        person=None,
        # Positive and never 0; a collision between two people would need ~2^31 of them.
        anonymous_group=secrets.randbits(62) + 1,
        note="",
        updated_at=timezone.now(),
    )
    _history_scrub(visit_ids)
    referrals = Referral.objects.filter(visit_id__in=visit_ids)
    referral_count = referrals.update(reason=ERASED_REASON)
    ReferralEvent.objects.filter(referral__visit_id__in=visit_ids).exclude(note="").update(note="")
    _erasure_requests_close(person_id)
    return {"visits": len(visit_ids), "referrals": referral_count}


def _erasure_requests_close(person_id: int) -> None:
    """Close the person's pending erasure request (the erasure answers it, whoever made it) and
    empty the free texts of all their requests: the rows stay, without the person, as the record
    of who asked and who decided."""
    requests = ErasureRequest.objects.filter(person_id=person_id)
    requests.filter(decision=ErasureDecision.PENDING).update(
        decision=ErasureDecision.CONFIRMED, decided_at=timezone.now()
    )
    requests.update(reason="", refusal_reason="")


def _history_scrub(visit_ids: list[int]) -> None:
    changed = []
    for line in VisitChange.objects.filter(visit_id__in=visit_ids):
        hit = False
        for name in ERASED_HISTORY_FIELDS:
            entry = line.changes.get(name)
            if isinstance(entry, dict):
                for side in ("before", "after"):
                    if entry.get(side) not in (None, "—"):
                        entry[side] = ERASED_VALUE
                hit = True
        if hit:
            changed.append(line)
    VisitChange.objects.bulk_update(changed, ["changes"])


@transaction.atomic
def person_erase(*, person: Person, request) -> Anonymised:
    """Erase a person on their request (from their page), and log it."""
    done = person_anonymise(person=person)
    record(
        request,
        Action.PERSON_ERASED,
        operator=request.operator,
        target_type="person",
        target_id=done.person_id,
        person_id=done.person_id,
        detail=_counts_detail(done),
    )
    return done


ERASURE_DECIDED = "Cette demande d'effacement a déjà été traitée : rien n'a été changé."


def may_erase_directly(request) -> bool:
    """Whether the user erases at once: a coordinator, or an agent when the structure allows it
    (`Operator.agents_may_erase`); otherwise an agent asks a coordinator (`erasure_request`)."""
    return request.operator.agents_may_erase or has_role(request, COORDINATOR_ROLES)


@transaction.atomic
def erasure_request(*, person: Person, request, reason: str = "") -> ErasureRequest:
    """Ask a coordinator to erase `person`. Idempotent: while a request is pending, asking again
    returns it unchanged (nothing written, nothing logged)."""
    locked = Person.objects.select_for_update().filter(pk=person.pk).first()
    if locked is None:
        refuse(ALREADY_ERASED, "already_erased")
    pending = ErasureRequest.objects.pending().filter(person=locked).first()
    if pending is not None:
        return pending
    created = ErasureRequest.objects.create(
        operator_id=locked.operator_id,
        person=locked,
        requested_by=request.user,
        reason=reason.strip(),
    )
    record(request, Action.ERASURE_REQUESTED, created)
    return created


def _pending_locked(erasure_request_id: int, operator: Operator) -> ErasureRequest:
    """The pending request, locked after its person (the order `person_anonymise` locks them in,
    so that the retention sweep and a decision never wait on each other)."""
    found = ErasureRequest.objects.filter(pk=erasure_request_id, operator=operator).first()
    if found is None or found.decision != ErasureDecision.PENDING:
        refuse(ERASURE_DECIDED, "erasure_decided")
    list(Person.objects.select_for_update().filter(pk=found.person_id))
    locked = ErasureRequest.objects.select_for_update().get(pk=found.pk)
    if locked.decision != ErasureDecision.PENDING or locked.person_id is None:
        refuse(ERASURE_DECIDED, "erasure_decided")
    return locked


@transaction.atomic
def erasure_request_confirm(*, erasure_request: ErasureRequest, request) -> Anonymised:
    """A coordinator confirms the request: the person is erased (`person_erase`, logged)."""
    locked = _pending_locked(erasure_request.pk, request.operator)
    locked.decision = ErasureDecision.CONFIRMED
    locked.decided_by = request.user
    locked.decided_at = timezone.now()
    locked.save(update_fields=["decision", "decided_by", "decided_at"])
    return person_erase(person=locked.person, request=request)


@transaction.atomic
def erasure_request_refuse(
    *, erasure_request: ErasureRequest, request, refusal_reason: str
) -> ErasureRequest:
    """A coordinator refuses the request, saying why: the person stays."""
    refusal_reason = refusal_reason.strip()
    if not refusal_reason:
        refuse("Indiquez pourquoi l'effacement est refusé.", "refusal_reason_missing")
    locked = _pending_locked(erasure_request.pk, request.operator)
    locked.decision = ErasureDecision.REFUSED
    locked.decided_by = request.user
    locked.decided_at = timezone.now()
    locked.refusal_reason = refusal_reason
    locked.save(update_fields=["decision", "decided_by", "decided_at", "refusal_reason"])
    record(request, Action.ERASURE_REFUSED, locked)
    return locked


def _counts_detail(done: Anonymised) -> str:
    detail = f"{done.visits} visite(s) et {done.referrals} orientation(s) rendues anonymes"
    if done.bookings:
        detail += f", {done.bookings} réservation(s) détachée(s)"
    return detail


@transaction.atomic
def consent_withdraw(*, person: Person, purpose: str, request) -> int:
    """Withdraw the person's consent for `purpose`, effective at once (a partner's next page no
    longer shows the name when it is the referrals' consent). Returns the consents still in
    force: at 0 the record has no basis left and should be erased."""
    consent = (
        PersonConsent.objects.select_for_update()
        .active()
        .filter(person_id=person.pk, purpose=purpose)
        .first()
    )
    if consent is None:
        label = dict(ConsentPurpose.choices).get(purpose, "cette finalité")
        refuse(
            f"La personne n'a pas donné son accord pour « {label} », ou l'a déjà retiré : "
            "rien n'a changé.",
            "consent_not_given",
        )
    consent.withdrawn_at = timezone.now()
    consent.withdrawn_by = request.user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record(
        request,
        Action.CONSENT_WITHDRAWN,
        person,
        detail=f"finalité : {consent.get_purpose_display()}",
    )
    return PersonConsent.objects.active().filter(person_id=person.pk).count()


@transaction.atomic
def consent_give(
    *, person: Person, purposes: list[str], given_on: datetime.date, request
) -> list[PersonConsent]:
    """Record the person's consent for more purposes (a purpose withdrawn before may be given
    again: a new row), and log it."""
    purposes = checked_consent(purposes, given_on)
    if Person.objects.select_for_update().filter(pk=person.pk).values_list("pk").first() is None:
        refuse(ALREADY_ERASED, "already_erased")
    in_force = set(
        PersonConsent.objects.active().filter(person_id=person.pk).values_list("purpose", flat=True)
    )
    labels = dict(ConsentPurpose.choices)
    for purpose in purposes:
        if purpose in in_force:
            refuse(
                f"La personne a déjà donné son accord pour « {labels[purpose]} » : rien n'a "
                "changé.",
                "consent_in_force",
            )
    consents_add(person=person, purposes=purposes, given_on=given_on, user=request.user)
    record(
        request,
        Action.PERSON_CHANGED,
        person,
        detail="accord donné : " + ", ".join(labels[purpose] for purpose in purposes),
    )
    return list(PersonConsent.objects.active().filter(person_id=person.pk))


# --- Retention -------------------------------------------------------------------------------


def retention_months() -> int:
    return settings.ALLERVERS_PERSON_RETENTION_MONTHS


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next daily run of the sweep at `ALLERVERS_PRIVACY_SWEEP_TIME` (Paris time), as the
    deployment schedules it (docs/deployment.md)."""
    return run_at_or_after(now or timezone.now())


def run_at_or_after(moment: datetime.datetime) -> datetime.datetime:
    hour, minute = (int(part) for part in settings.ALLERVERS_PRIVACY_SWEEP_TIME.split(":"))
    at = datetime.time(hour, minute)
    local = timezone.localtime(moment)
    day = local.date() if local.time() <= at else local.date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(day, at))


def due_filter(at: datetime.datetime) -> Q:
    """The people a run at `at` anonymises (on `persons_with_last_contact`)."""
    return Q(last_contact__lt=months_before(at, retention_months())) | Q(consents_in_force=False)


def goes_on(person: Person, after: datetime.datetime) -> datetime.datetime:
    """The run that will anonymise `person` (annotated by `persons_with_last_contact`)."""
    if not person.consents_in_force:
        return after
    return max(after, run_at_or_after(months_after(person.last_contact, retention_months())))


def retention_due(operator: Operator, at: datetime.datetime):
    """The people a run at `at` anonymises, the longest without contact first."""
    return persons_with_last_contact(operator).filter(due_filter(at)).order_by("last_contact", "pk")


@dataclass(frozen=True)
class RetentionOutlook:
    """What the coming runs of the sweep will anonymise (the coordinator's page)."""

    months: int
    next_run: datetime.datetime
    due_count: int
    due: list  # people the next run anonymises (at most OUTLOOK_LIMIT)
    soon_until: datetime.datetime
    soon_count: int
    soon: list  # people of the runs after it, up to `soon_until`, each with `goes_on`


OUTLOOK_LIMIT = 200
OUTLOOK_DAYS = 30


def retention_outlook(operator: Operator, now: datetime.datetime) -> RetentionOutlook:
    """The next run's people, then those of the runs of the following `OUTLOOK_DAYS` days,
    each with their last contact and the date of the run that anonymises them (4 queries)."""
    run = next_run(now)
    until = run + datetime.timedelta(days=OUTLOOK_DAYS)
    due = retention_due(operator, run)
    soon = (
        persons_with_last_contact(operator)
        .filter(due_filter(until))
        .exclude(due_filter(run))
        .order_by("last_contact", "pk")
    )
    soon_rows = list(soon[:OUTLOOK_LIMIT])
    for person in soon_rows:
        person.goes_on = goes_on(person, run)
    return RetentionOutlook(
        months=retention_months(),
        next_run=run,
        due_count=due.count(),
        due=list(due[:OUTLOOK_LIMIT]),
        soon_until=until,
        soon_count=soon.count(),
        soon=soon_rows,
    )


def retention_sweep(*, operator: Operator, now: datetime.datetime | None = None) -> int:
    """Anonymise the operator's people due now, one transaction each (an error leaves the others
    done; a person erased meanwhile is skipped); each is logged. Returns how many went."""
    now = now or timezone.now()
    count = 0
    for person in list(retention_due(operator, now)):
        with transaction.atomic():
            try:
                done = person_anonymise(person=person)
            except ValidationError as error:  # erased meanwhile: nothing left to do
                if error.code != "already_erased":
                    raise
                continue
            record(
                None,
                Action.PERSON_ANONYMISED,
                operator=operator,
                target_type="person",
                target_id=done.person_id,
                person_id=done.person_id,
                detail=_sweep_detail(person) + " ; " + _counts_detail(done),
            )
        count += 1
    return count


def _sweep_detail(person: Person) -> str:
    if not person.consents_in_force:
        return "aucun consentement en vigueur"
    return f"sans contact depuis le {timezone.localtime(person.last_contact):%d/%m/%Y}"


@dataclass(frozen=True)
class SweepSummary:
    """What one run of the privacy sweep did: each registry holder's part, in their order (the
    reception's first: people anonymised per structure). A holder's counts read as attributes
    (`summary.booking_contacts_erased`), 0 when none."""

    parts: list[SweepPart]

    def lines(self) -> list[str]:
        """The run's summary in French, one line each (the command prints them)."""
        return [line for part in self.parts for line in part.lines]

    def __getattr__(self, name: str) -> int:
        if name.startswith("_"):
            raise AttributeError(name)
        return sum(part.counts.get(name, 0) for part in self.parts)


def _counted(count: int, one: str, many: str) -> str:
    return f"{count} {plural(count, one, many)}"


def retention_sweep_everywhere(now: datetime.datetime) -> SweepPart:
    """The reception's share of the daily run (its registry's `sweep`): anonymise the people due
    in every structure, and say how many per structure (only those with some) and in all."""
    anonymised = {}
    for operator in Operator.objects.order_by("name"):
        count = retention_sweep(operator=operator, now=now)
        if count:
            anonymised[operator.name] = count
    total = sum(anonymised.values())
    return SweepPart(
        counts={"people_anonymised": total},
        lines=[
            f"{name} : {_counted(count, 'fiche rendue anonyme', 'fiches rendues anonymes')}."
            for name, count in anonymised.items()
        ]
        + [f"Total : {_counted(total, 'fiche rendue anonyme', 'fiches rendues anonymes')}."],
    )


def privacy_sweep(now: datetime.datetime | None = None) -> SweepSummary:
    """The daily run (`manage.py privacy_sweep`): every holder of the personal-data registry
    sweeps what it keeps too long — the reception anonymises the people due in every structure,
    the screening empties the answers of screenings whose referrals are closed, the bookings
    erase the contact details of past bookings without a person, the access log purges its old
    entries. Running it twice in a row changes nothing the second time."""
    return SweepSummary(parts=sweep(now or timezone.now()))
