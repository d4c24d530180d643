"""Recording, finishing and correcting a visit."""

import datetime
import uuid
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from allervers.core.versions import check_version
from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import Stop

from ..enums import CyberPurpose, VisitChangeKind
from ..models import Person, Topic, Visit, VisitChange, VisitPartner, VisitTopic
from ..questions import QUESTIONS
from .checks import check_same_operator, check_stop_for_visit, refuse
from .history import change, history_add, shown

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
    **answers,
) -> Visit:
    """Record a visit at a held stop (today or past). `answers` are the Visit's answer fields.
    `client_id`: the identifier the tablet made for a visit recorded without network (unique
    per operator: the same visit sent twice is refused by the database)."""
    now = now or timezone.now()
    _check_fields(answers)
    check_stop_for_visit(operator=operator, stop=stop, today=_local(now).date())
    _check_times(stop=stop, arrived_at=arrived_at, left_at=left_at, now=now)
    _check_answers(answers)
    topics = _check_topics(operator, topics)
    partners_seen = _check_partners(operator, partners_seen)
    if person is not None:
        check_same_operator(person, operator.pk)
    visit = Visit.objects.create(
        operator=operator,
        stop=stop,
        arrived_at=arrived_at,
        left_at=left_at,
        person=person,
        created_by=user,
        client_id=client_id,
        **answers,
    )
    _set_topics(visit, topics)
    _set_partners(visit, partners_seen)
    history_add(visit, VisitChangeKind.CREATED, user)
    return visit


@transaction.atomic
def visit_finish(
    *,
    visit: Visit,
    user,
    now: datetime.datetime | None = None,
    left_at: datetime.datetime | None = None,
) -> Visit:
    """The person leaves the bus: departure = now (one tap on « Terminer »), or `left_at`, the
    moment of the tap on a tablet without network, sent later."""
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
    **fields,
) -> Visit:
    """Correct a visit; the history line lists each changed answer, before and after.
    `version`: the visit's version the correction form showed; refused (nothing saved) if
    the visit changed since."""
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
    return visit
