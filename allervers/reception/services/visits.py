"""Recording, finishing and correcting a visit."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.core.versions import check_version
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import Stop

from ..enums import CyberPurpose, VisitChangeKind, VisitSource
from ..models import Person, Topic, Visit, VisitChange, VisitPartner, VisitTopic
from ..questions import QUESTIONS
from .checks import check_same_operator, check_stop_for_visit, refuse
from .history import change, histories_add, history_add, shown

# How far in the future an arrival may be typed (a tablet's clock is rarely exact).
ARRIVAL_TOLERANCE = datetime.timedelta(minutes=5)

# The answers a visit records, with their closed list (`questions.QUESTIONS`): what
# `visit_record` and `visit_correct` accept, and what the history shows.
ANSWER_CHOICES = {question.field: question.choices for question in QUESTIONS}
CORRECTABLE_FIELDS = (
    "stop",
    "arrived_at",
    "left_at",
    *ANSWER_CHOICES,
    "cyber_used",
    "cyber_purpose",
    "note",
)


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def _check_fields(fields: Iterable[str]) -> None:
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown visit fields: {sorted(unknown)}")


def _check_times(
    *,
    stop: Stop,
    arrived_at: datetime.datetime,
    left_at: datetime.datetime | None,
    now: datetime.datetime,
) -> None:
    if timezone.is_naive(arrived_at) or (left_at is not None and timezone.is_naive(left_at)):
        raise ValueError("visit times must be aware datetimes")
    if _local(arrived_at).date() != stop.date:
        refuse(
            f"L'arrivée doit être le jour de la permanence ({stop.date:%d/%m/%Y}).",
            "arrival_not_on_stop_day",
        )
    if arrived_at > now + ARRIVAL_TOLERANCE:
        refuse("L'heure d'arrivée est dans le futur.", "arrival_in_future")
    if left_at is not None:
        if left_at <= arrived_at:
            refuse("L'heure de départ doit être après l'heure d'arrivée.", "left_before_arrived")
        if left_at > now + ARRIVAL_TOLERANCE:
            refuse("L'heure de départ est dans le futur.", "left_in_future")


def _check_answers(answers: dict) -> None:
    for name, choices in ANSWER_CHOICES.items():
        if name in answers and answers[name] not in choices.values:
            label = Visit._meta.get_field(name).verbose_name
            refuse(f"Valeur inconnue pour « {label} » : {answers[name]!r}.", "unknown_value")
    cyber_used = answers.get("cyber_used")
    if cyber_used is not None:
        purpose = answers.get("cyber_purpose", "")
        if cyber_used and purpose == "":
            answers["cyber_purpose"] = CyberPurpose.UNKNOWN
        elif not cyber_used:
            answers["cyber_purpose"] = ""
        elif purpose not in CyberPurpose.values:
            refuse(f"Usage du cyber@atelier inconnu : {purpose!r}.", "unknown_value")


def _check_topics(
    operator: Operator, topics: Iterable[Topic], kept: Iterable[Topic] = ()
) -> list[Topic]:
    """Active topics of the operator; an archived one only if the visit already had it."""
    topics, kept_ids = list(topics), {topic.pk for topic in kept}
    for topic in topics:
        if topic.operator_id != operator.pk or (topic.is_archived and topic.pk not in kept_ids):
            refuse(f"Thématique inconnue : « {topic} ».", "unknown_topic")
    return topics


def _check_partners(
    operator: Operator, partners: Iterable[Partner], kept: Iterable[Partner] = ()
) -> list[Partner]:
    """Active partners of the operator; an archived one only if the visit already had it."""
    partners, kept_ids = list(partners), {partner.pk for partner in kept}
    for partner in partners:
        if partner.operator_id != operator.pk:
            refuse(f"Partenaire inconnu : « {partner} ».", "unknown_partner")
        if partner.is_archived and partner.pk not in kept_ids:
            refuse(f"Le partenaire « {partner} » est archivé.", "archived_partner")
    return partners


def visit_locked(visit: Visit, *, version: int | None = None) -> Visit:
    """The visit read again inside the transaction, its row locked until the commit (never the
    copy the caller loaded): the changes of one visit are applied one after the other. With
    `version` (the one a form showed), refused if the visit changed since."""
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if version is not None:
        last = VisitChange.objects.filter(visit=visit).select_related("changed_by").last()
        check_version(shown=version, current=visit.version, changed_by=last and last.changed_by)
    visit.version += 1  # saved by the caller with its change
    return visit


def _set_topics(visit: Visit, topics: Sequence[Topic]) -> None:
    visit.visit_topics.all().delete()
    VisitTopic.objects.bulk_create(
        VisitTopic(operator_id=visit.operator_id, visit=visit, topic=topic) for topic in topics
    )


def _set_partners(visit: Visit, partners: Sequence[Partner]) -> None:
    visit.visit_partners.all().delete()
    VisitPartner.objects.bulk_create(
        VisitPartner(operator_id=visit.operator_id, visit=visit, partner=partner)
        for partner in partners
    )


@dataclass
class NewVisit:
    """One visit to record: what `visit_record` takes, one item of `visits_record`'s batch.
    `answers` are the Visit's answer fields; `client_id` the identifier the tablet made for a
    visit recorded without network."""

    stop: Stop
    arrived_at: datetime.datetime
    left_at: datetime.datetime | None = None
    topics: Sequence[Topic] = ()
    partners_seen: Sequence[Partner] = ()
    person: Person | None = None
    client_id: uuid.UUID | None = None
    answers: dict = field(default_factory=dict)


class VisitsRefused(Exception):
    """Visits of a batch break the visit's rules: nothing was written. `errors`: the position
    of each refused visit in the batch, with its refusal (a `ValidationError`)."""

    def __init__(self, errors: list[tuple[int, ValidationError]]):
        super().__init__("visits refused")
        self.errors = errors


def visit_check(*, operator: Operator, visit: NewVisit, now: datetime.datetime) -> NewVisit:
    """The rules of a new visit, the same for the form, the tablet and the import: a held stop
    of the operator, today or past; times on its day and not in the future; known answers;
    active topics and partners of the operator; a person of the operator. Refused with a
    French `ValidationError`; returns the visit as it will be saved (answers completed)."""
    _check_fields(visit.answers)
    check_stop_for_visit(operator=operator, stop=visit.stop, today=_local(now).date())
    _check_times(stop=visit.stop, arrived_at=visit.arrived_at, left_at=visit.left_at, now=now)
    _check_answers(visit.answers)
    visit.topics = _check_topics(operator, visit.topics)
    visit.partners_seen = _check_partners(operator, visit.partners_seen)
    if visit.person is not None:
        check_same_operator(visit.person, operator.pk)
    return visit


@transaction.atomic
def visit_record(
    *,
    operator: Operator,
    user,
    stop: Stop,
    arrived_at: datetime.datetime,
    left_at: datetime.datetime | None = None,
    topics: Iterable[Topic] = (),
    partners_seen: Iterable[Partner] = (),
    person: Person | None = None,
    now: datetime.datetime | None = None,
    client_id: uuid.UUID | None = None,
    request=None,
    detail: str = "",
    **answers,
) -> Visit:
    """Record a visit at a held stop (today or past). `answers` are the Visit's answer fields.
    `client_id`: the identifier the tablet made for a visit recorded without network (unique
    per operator: the same visit sent twice is refused by the database). Journaled for
    `request` (VISIT_CREATED, with `detail`)."""
    new = NewVisit(
        stop=stop,
        arrived_at=arrived_at,
        left_at=left_at,
        topics=list(topics),
        partners_seen=list(partners_seen),
        person=person,
        client_id=client_id,
        answers=answers,
    )
    try:
        visit = visits_record(operator=operator, user=user, visits=[new], now=now)[0]
    except VisitsRefused as refused:
        raise refused.errors[0][1] from None
    journal(request, Action.VISIT_CREATED, visit, detail=detail)
    return visit


def visit_record_once(
    *, operator: Operator, user, client_id: uuid.UUID | None, request=None, **arguments
) -> tuple[Visit, bool]:
    """`visit_record`, unless the tablet's identifier `client_id` names a visit already
    recorded: then that one. Returns the visit and whether it was created now. The visit form
    (which the tablet's script sends with the identifier it then queues the visit under, when
    the answer is lost) and the synchronisation (`reception/sync.py`) record through it: the
    same visit is never created twice, even by two requests at once."""
    recorded = Visit.objects.for_operator(operator).filter(client_id=client_id)
    if client_id is not None and (existing := recorded.first()) is not None:
        return existing, False
    try:
        visit = visit_record(
            operator=operator, user=user, client_id=client_id, request=request, **arguments
        )
    except IntegrityError:
        # The same visit sent at the same instant by another request: that one saved it.
        existing = recorded.first() if client_id is not None else None
        if existing is None:
            raise
        return existing, False
    return visit, True


# A batch is written in one transaction: the import's `MAX_LINES` bounds it.
@transaction.atomic
def visits_record(
    *,
    operator: Operator,
    user,
    visits: Sequence[NewVisit],
    now: datetime.datetime | None = None,
    source: VisitSource = VisitSource.ENTERED,
    history: VisitChangeKind = VisitChangeKind.CREATED,
    history_changes: dict | None = None,
) -> list[Visit]:
    """Record a batch of visits, all or nothing: every one is checked by `visit_check` first
    (`VisitsRefused` lists each refusal, nothing written), then they are written together with
    their topics, partners and history line (a few queries whatever their number)."""
    now = now or timezone.now()
    errors = []
    for index, new in enumerate(visits):
        try:
            visit_check(operator=operator, visit=new, now=now)
        except ValidationError as error:
            errors.append((index, error))
    if errors:
        raise VisitsRefused(errors)
    created = Visit.objects.bulk_create(
        Visit(
            operator=operator,
            stop=new.stop,
            arrived_at=new.arrived_at,
            left_at=new.left_at,
            person=new.person,
            created_by=user,
            client_id=new.client_id,
            source=source,
            **new.answers,
        )
        for new in visits
    )
    VisitTopic.objects.bulk_create(
        VisitTopic(operator=operator, visit=visit, topic=topic)
        for visit, new in zip(created, visits, strict=True)
        for topic in new.topics
    )
    VisitPartner.objects.bulk_create(
        VisitPartner(operator=operator, visit=visit, partner=partner)
        for visit, new in zip(created, visits, strict=True)
        for partner in new.partners_seen
    )
    histories_add(created, history, user, history_changes)
    return created


@transaction.atomic
def visit_finish(
    *,
    visit: Visit,
    user,
    now: datetime.datetime | None = None,
    left_at: datetime.datetime | None = None,
    request=None,
) -> Visit:
    """The person leaves the bus: departure = now (one tap on « Terminer »), or `left_at`, the
    moment of the tap on a tablet without network, sent later. Journaled for `request`."""
    sent = left_at is not None
    now = now or timezone.now()
    if left_at is not None:
        if left_at > now + ARRIVAL_TOLERANCE:
            refuse("L'heure de départ est dans le futur.", "left_in_future")
        now = left_at
    visit = visit_locked(visit)
    if visit.left_at is not None:
        refuse("Cette visite est déjà terminée.", "already_finished")
    if now <= visit.arrived_at:
        refuse(
            "L'heure de départ doit être après l'heure d'arrivée "
            f"({_local(visit.arrived_at):%H:%M}) : corrigez l'arrivée.",
            "left_before_arrived",
        )
    if _local(visit.arrived_at).date() != _local(now).date():
        # "Now" would give a visit of another day a duration of days, and skew every mean.
        refuse(
            "Cette visite n'a pas eu lieu aujourd'hui : indiquez son heure de départ "
            "en corrigeant la visite.",
            "not_today",
        )
    visit.left_at = now
    visit.save(update_fields=["left_at", "version", "updated_at"])
    history_add(
        visit, VisitChangeKind.FINISHED, user, change("left_at", "—", shown(visit, "left_at"))
    )
    detail = "visite terminée, envoyée par la tablette" if sent else "visite terminée"
    journal(request, Action.VISIT_CHANGED, visit, detail=detail)
    return visit


@transaction.atomic
def visit_correct(
    *,
    visit: Visit,
    user,
    topics: Iterable[Topic] | None = None,
    partners_seen: Iterable[Partner] | None = None,
    now: datetime.datetime | None = None,
    version: int | None = None,
    request=None,
    **fields,
) -> Visit:
    """Correct a visit; the history line lists each changed answer, before and after.
    `version`: the visit's version the correction form showed; refused (nothing saved) if
    the visit changed since. Journaled for `request`."""
    now = now or timezone.now()
    _check_fields(fields)
    visit = visit_locked(visit, version=version)
    operator = visit.operator
    before = {name: shown(visit, name) for name in (*CORRECTABLE_FIELDS, "topics", "partners_seen")}
    stop = fields.get("stop", visit.stop)
    if stop.pk != visit.stop_id:
        check_stop_for_visit(operator=operator, stop=stop, today=_local(now).date())
    _check_times(
        stop=stop,
        arrived_at=fields.get("arrived_at", visit.arrived_at),
        left_at=fields.get("left_at", visit.left_at),
        now=now,
    )
    if "cyber_used" not in fields and "cyber_purpose" in fields:
        fields["cyber_used"] = visit.cyber_used
    _check_answers(fields)
    for name, value in fields.items():
        setattr(visit, name, value)
    visit.save()
    if topics is not None:
        _set_topics(visit, _check_topics(operator, topics, kept=visit.topics.all()))
    if partners_seen is not None:
        _set_partners(
            visit, _check_partners(operator, partners_seen, kept=visit.partners_seen.all())
        )
    changes = {}
    for name, old in before.items():
        new = shown(visit, name)
        if new != old:
            label_text = "thématiques" if name == "topics" else None
            changes |= change(name, old, new, label_text=label_text)
    if changes:
        history_add(visit, VisitChangeKind.CORRECTED, user, changes)
    journal(request, Action.VISIT_CHANGED, visit, detail="visite corrigée")
    return visit
