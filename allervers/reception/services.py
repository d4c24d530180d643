"""Writes of the reception log.

Each one is keyword-only, atomic, refuses bad input with a French `ValidationError` (nothing
saved) and records its history line: `VisitChange` for visits, `ReferralEvent` for referrals.
"""

import datetime
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from allervers.operators.models import Operator
from allervers.partners.models import Partner
from allervers.planning.models import Stop

from .enums import (
    REFERRAL_TRANSITIONS,
    AgeBand,
    ConsentPurpose,
    CyberPurpose,
    Gender,
    HeardFrom,
    Outcome,
    ReferralStatus,
    Situation,
    VisitChangeKind,
    VisitMode,
    VisitSource,
    YesNoUnknown,
)
from .models import (
    CyberUsage,
    Person,
    Referral,
    ReferralEvent,
    Topic,
    Visit,
    VisitChange,
    VisitPartner,
    VisitTopic,
)

# How far in the future an arrival may be typed (a tablet's clock is rarely exact).
ARRIVAL_TOLERANCE = datetime.timedelta(minutes=5)
CYBER_SEATS_DEFAULT = 8

# The answers a visit records, with their closed list: what `visit_record` and
# `visit_correct` accept, and what the history shows.
ANSWER_CHOICES = {
    "gender": Gender,
    "age_band": AgeBand,
    "lives_in_area": YesNoUnknown,
    "situation": Situation,
    "mode": VisitMode,
    "heard_from": HeardFrom,
    "is_first_visit": YesNoUnknown,
    "outcome": Outcome,
}
CORRECTABLE_FIELDS = (
    "stop",
    "arrived_at",
    "left_at",
    *ANSWER_CHOICES,
    "cyber_used",
    "cyber_purpose",
    "note",
)


def _refuse(message: str, code: str = "invalid") -> None:
    raise ValidationError(message, code=code)


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def check_stop_for_visit(*, operator: Operator, stop: Stop, today: datetime.date) -> None:
    """A visit happens at a held stop of the operator, today or in the past."""
    if stop.operator_id != operator.pk:
        _refuse("Cette permanence n'appartient pas à votre structure.", "foreign_stop")
    if stop.is_cancelled:
        _refuse(
            f"La permanence du {stop.date:%d/%m/%Y} est annulée : "
            "on ne peut pas y enregistrer de visite.",
            "cancelled_stop",
        )
    if stop.date > today:
        _refuse(
            f"La permanence du {stop.date:%d/%m/%Y} n'a pas encore eu lieu : "
            "on ne peut pas y enregistrer de visite.",
            "future_stop",
        )


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
        _refuse(
            f"L'arrivée doit être le jour de la permanence ({stop.date:%d/%m/%Y}).",
            "arrival_not_on_stop_day",
        )
    if arrived_at > now + ARRIVAL_TOLERANCE:
        _refuse("L'heure d'arrivée est dans le futur.", "arrival_in_future")
    if left_at is not None:
        if left_at <= arrived_at:
            _refuse("L'heure de départ doit être après l'heure d'arrivée.", "left_before_arrived")
        if left_at > now + ARRIVAL_TOLERANCE:
            _refuse("L'heure de départ est dans le futur.", "left_in_future")


def _check_answers(answers: dict) -> None:
    for name, choices in ANSWER_CHOICES.items():
        if name in answers and answers[name] not in choices.values:
            label = Visit._meta.get_field(name).verbose_name
            _refuse(f"Valeur inconnue pour « {label} » : {answers[name]!r}.", "unknown_value")
    cyber_used = answers.get("cyber_used")
    if cyber_used is not None:
        purpose = answers.get("cyber_purpose", "")
        if cyber_used and purpose == "":
            answers["cyber_purpose"] = CyberPurpose.UNKNOWN
        elif not cyber_used:
            answers["cyber_purpose"] = ""
        elif purpose not in CyberPurpose.values:
            _refuse(f"Usage du cyber@atelier inconnu : {purpose!r}.", "unknown_value")


def _check_topics(
    operator: Operator, topics: Iterable[Topic], kept: Iterable[Topic] = ()
) -> list[Topic]:
    """Active topics of the operator; an archived one only if the visit already had it."""
    topics, kept_ids = list(topics), {topic.pk for topic in kept}
    for topic in topics:
        if topic.operator_id != operator.pk or (topic.is_archived and topic.pk not in kept_ids):
            _refuse(f"Thématique inconnue : « {topic} ».", "unknown_topic")
    return topics


def _check_partners(
    operator: Operator, partners: Iterable[Partner], kept: Iterable[Partner] = ()
) -> list[Partner]:
    """Active partners of the operator; an archived one only if the visit already had it."""
    partners, kept_ids = list(partners), {partner.pk for partner in kept}
    for partner in partners:
        if partner.operator_id != operator.pk:
            _refuse(f"Partenaire inconnu : « {partner} ».", "unknown_partner")
        if partner.is_archived and partner.pk not in kept_ids:
            _refuse(f"Le partenaire « {partner} » est archivé.", "archived_partner")
    return partners


def _display(visit: Visit, name: str) -> str:
    if name in ("topics", "partners_seen"):
        return ", ".join(sorted(str(item) for item in getattr(visit, name).all())) or "—"
    value = getattr(visit, name)
    if value is None or value == "":
        return "—"
    if name in ("arrived_at", "left_at"):
        return f"{_local(value):%d/%m/%Y %H:%M}"
    if name == "cyber_used":
        return "oui" if value else "non"
    if name == "person":
        return "fiche n° " + str(value.pk)
    field = Visit._meta.get_field(name)
    if field.choices:
        return str(getattr(visit, f"get_{name}_display")())
    return str(value)


def _label(name: str) -> str:
    return str(Visit._meta.get_field(name).verbose_name)


def _history(visit: Visit, kind: VisitChangeKind, user, changes: dict | None = None) -> None:
    VisitChange.objects.create(
        operator_id=visit.operator_id,
        visit=visit,
        kind=kind,
        changed_by=user,
        changes=changes or {},
    )


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
    **answers,
) -> Visit:
    """Record a visit at a held stop (today or past). `answers` are the Visit's answer fields."""
    now = now or timezone.now()
    unknown = set(answers) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown visit fields: {sorted(unknown)}")
    check_stop_for_visit(operator=operator, stop=stop, today=_local(now).date())
    _check_times(stop=stop, arrived_at=arrived_at, left_at=left_at, now=now)
    _check_answers(answers)
    topics = _check_topics(operator, topics)
    partners_seen = _check_partners(operator, partners_seen)
    if person is not None and person.operator_id != operator.pk:
        _refuse("Cette personne n'appartient pas à votre structure.", "foreign_person")
    visit = Visit.objects.create(
        operator=operator,
        stop=stop,
        arrived_at=arrived_at,
        left_at=left_at,
        person=person,
        created_by=user,
        **answers,
    )
    _set_topics(visit, topics)
    _set_partners(visit, partners_seen)
    _history(visit, VisitChangeKind.CREATED, user)
    return visit


@transaction.atomic
def visit_finish(*, visit: Visit, user, now: datetime.datetime | None = None) -> Visit:
    """The person leaves the bus: departure = now (one tap on « Terminer »)."""
    now = now or timezone.now()
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    if visit.left_at is not None:
        _refuse("Cette visite est déjà terminée.", "already_finished")
    if now <= visit.arrived_at:
        _refuse(
            "L'heure de départ doit être après l'heure d'arrivée "
            f"({_local(visit.arrived_at):%H:%M}) : corrigez l'arrivée.",
            "left_before_arrived",
        )
    if _local(visit.arrived_at).date() != _local(now).date():
        # "Now" would give a visit of another day a duration of days, and skew every mean.
        _refuse(
            "Cette visite n'a pas eu lieu aujourd'hui : indiquez son heure de départ "
            "en corrigeant la visite.",
            "not_today",
        )
    visit.left_at = now
    visit.save(update_fields=["left_at", "updated_at"])
    _history(
        visit,
        VisitChangeKind.FINISHED,
        user,
        {
            "left_at": {
                "label": _label("left_at"),
                "before": "—",
                "after": _display(visit, "left_at"),
            }
        },
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
    **fields,
) -> Visit:
    """Correct a visit; the history line lists each changed answer, before and after."""
    now = now or timezone.now()
    unknown = set(fields) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise TypeError(f"unknown visit fields: {sorted(unknown)}")
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    operator = visit.operator
    before = {
        name: _display(visit, name) for name in (*CORRECTABLE_FIELDS, "topics", "partners_seen")
    }
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
        new = _display(visit, name)
        if new != old:
            label = "thématiques" if name == "topics" else _label(name)
            changes[name] = {"label": label, "before": old, "after": new}
    if changes:
        _history(visit, VisitChangeKind.CORRECTED, user, changes)
    return visit


@transaction.atomic
def person_create_with_consent(
    *,
    operator: Operator,
    user,
    first_name: str,
    last_name: str,
    consent_given_on: datetime.date,
    consent_purpose: str,
    phone: str = "",
    email: str = "",
    visit: Visit | None = None,
) -> Person:
    """Create a named record, only with the person's consent; optionally link a visit to it."""
    first_name, last_name = first_name.strip(), last_name.strip()
    if not (first_name or last_name):
        _refuse("Indiquez au moins le prénom ou le nom de la personne.", "no_name")
    if consent_purpose not in ConsentPurpose.values:
        _refuse(
            "Une fiche nominative n'est possible qu'avec le consentement de la personne : "
            "indiquez pour quoi elle a donné son accord.",
            "no_consent",
        )
    if consent_given_on is None:
        _refuse("Indiquez la date du consentement.", "no_consent")
    if consent_given_on > _local(timezone.now()).date():
        _refuse("La date du consentement ne peut pas être dans le futur.", "consent_in_future")
    person = Person(
        operator=operator,
        first_name=first_name,
        last_name=last_name,
        phone=phone.strip(),
        email=email.strip(),
        consent_given_on=consent_given_on,
        consent_purpose=consent_purpose,
        consent_recorded_by=user,
    )
    person.save()
    if visit is not None:
        visit_link_person(visit=visit, person=person, user=user)
    return person


@transaction.atomic
def visit_link_person(*, visit: Visit, person: Person, user) -> Visit:
    """Link a visit to a consenting person, so that returning visitors count once."""
    if person.operator_id != visit.operator_id:
        _refuse("Cette personne n'appartient pas à votre structure.", "foreign_person")
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    before = _display(visit, "person")
    visit.person = person
    visit.save(update_fields=["person", "updated_at"])
    _history(
        visit,
        VisitChangeKind.PERSON_LINKED,
        user,
        {
            "person": {
                "label": _label("person"),
                "before": before,
                "after": _display(visit, "person"),
            }
        },
    )
    return visit


@transaction.atomic
def referral_create(
    *,
    visit: Visit,
    partner: Partner,
    reason: str,
    user,
    now: datetime.datetime | None = None,
) -> Referral:
    """Propose to send the visit's person to a partner."""
    now = now or timezone.now()
    if partner.operator_id != visit.operator_id:
        _refuse("Ce partenaire n'appartient pas à votre structure.", "foreign_partner")
    if partner.is_archived:
        _refuse(
            f"Le partenaire « {partner} » est archivé : on ne peut plus lui adresser "
            "d'orientation.",
            "archived_partner",
        )
    reason = reason.strip()
    if not reason:
        _refuse("Indiquez le motif de l'orientation.", "no_reason")
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
    ReferralEvent.objects.create(
        operator_id=visit.operator_id,
        referral=referral,
        status=ReferralStatus.PROPOSED,
        changed_at=now,
        changed_by=user,
    )
    return referral


STATUS_DATE_FIELD = {
    ReferralStatus.SENT: "sent_at",
    ReferralStatus.TAKEN_UP: "taken_up_at",
    ReferralStatus.DROPPED: "dropped_at",
}


@transaction.atomic
def referral_update_status(
    *,
    referral: Referral,
    status: str,
    user,
    note: str = "",
    now: datetime.datetime | None = None,
) -> Referral:
    """Move a referral along proposée → transmise → prise en charge (or abandonnée)."""
    now = now or timezone.now()
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if status not in ReferralStatus.values:
        _refuse(f"Statut inconnu : {status!r}.", "unknown_status")
    if status not in REFERRAL_TRANSITIONS[referral.status]:
        _refuse(
            f"Une orientation « {referral.get_status_display().lower()} » ne peut pas passer à "
            f"« {ReferralStatus(status).label.lower()} ».",
            "bad_transition",
        )
    referral.status = status
    setattr(referral, STATUS_DATE_FIELD[status], now)
    if status == ReferralStatus.TAKEN_UP and referral.sent_at is None:
        referral.sent_at = now  # taken up implies it reached the partner
    referral.status_changed_at = now
    referral.status_changed_by = user
    referral.save()
    ReferralEvent.objects.create(
        operator_id=referral.operator_id,
        referral=referral,
        status=status,
        changed_at=now,
        changed_by=user,
        note=note.strip()[:300],
    )
    return referral


@transaction.atomic
def cyber_usage_record(
    *,
    operator: Operator,
    stop: Stop,
    seats_used: int,
    people_count: int,
    user,
    seats_available: int = CYBER_SEATS_DEFAULT,
) -> CyberUsage:
    """Record (or correct) how many cyber-atelier seats were used at a stop, by how many people."""
    check_stop_for_visit(operator=operator, stop=stop, today=_local(timezone.now()).date())
    if seats_used < 0 or people_count < 0:
        _refuse("Les nombres ne peuvent pas être négatifs.", "negative")
    if seats_used > seats_available:
        _refuse(
            f"Le cyber@atelier n'a que {seats_available} postes : "
            f"{seats_used} postes utilisés est impossible.",
            "too_many_seats",
        )
    if people_count < seats_used:
        _refuse(
            "Chaque poste utilisé l'a été par au moins une personne : le nombre de personnes "
            "ne peut pas être inférieur au nombre de postes.",
            "people_below_seats",
        )
    usage, _ = CyberUsage.objects.update_or_create(
        operator=operator,
        stop=stop,
        defaults={"seats_used": seats_used, "people_count": people_count, "recorded_by": user},
    )
    return usage


@transaction.atomic
def visits_import(*, operator: Operator, user, name: str, content: bytes) -> int:
    """Import a file of past visits, all or nothing; return how many visits were created.

    Raises `importing.ImportRefused` (with the report of every faulty line) when any line is
    wrong: then nothing at all is saved.
    """
    from .importing import ImportRefused, visits_check

    report = visits_check(operator=operator, name=name, content=content)
    if not report.is_valid:
        raise ImportRefused(report)
    visits = Visit.objects.bulk_create(
        Visit(
            operator=operator,
            stop=row.stop,
            arrived_at=row.arrived_at,
            left_at=row.left_at,
            source=VisitSource.IMPORTED,
            created_by=user,
            **row.answers,
        )
        for row in report.rows
    )
    VisitTopic.objects.bulk_create(
        VisitTopic(operator=operator, visit=visit, topic=topic)
        for visit, row in zip(visits, report.rows, strict=True)
        for topic in row.topics
    )
    VisitPartner.objects.bulk_create(
        VisitPartner(operator=operator, visit=visit, partner=partner)
        for visit, row in zip(visits, report.rows, strict=True)
        for partner in row.partners
    )
    now = timezone.now()
    VisitChange.objects.bulk_create(
        VisitChange(
            operator=operator,
            visit=visit,
            kind=VisitChangeKind.IMPORTED,
            changed_at=now,
            changed_by=user,
            changes={"file": {"label": "fichier", "before": "—", "after": name[:200]}},
        )
        for visit in visits
    )
    return len(visits)


@transaction.atomic
def reception_settings_update(
    *,
    operator: Operator,
    neighbourhood_name: str,
    neighbourhood_streets: str,
    referral_overdue_days: int,
) -> Operator:
    operator.neighbourhood_name = neighbourhood_name.strip()
    operator.neighbourhood_streets = "\n".join(
        line.strip() for line in neighbourhood_streets.splitlines() if line.strip()
    )
    operator.referral_overdue_days = referral_overdue_days
    operator.save(
        update_fields=["neighbourhood_name", "neighbourhood_streets", "referral_overdue_days"]
    )
    return operator


@transaction.atomic
def topic_create(*, operator: Operator, name: str) -> Topic:
    name = name.strip()
    slug = slugify(name)[:80]
    if not slug:
        _refuse("Ce nom de thématique ne convient pas : utilisez des lettres.", "bad_name")
    existing = Topic.objects.for_operator(operator)
    if existing.filter(slug=slug).exists():
        _refuse(f"La thématique « {name} » existe déjà.", "duplicate_topic")
    position = (existing.aggregate(Max("position"))["position__max"] or 0) + 1
    try:
        with transaction.atomic():  # another agent may add the same topic at the same instant
            return Topic.objects.create(operator=operator, name=name, slug=slug, position=position)
    except IntegrityError:
        _refuse(f"La thématique « {name} » existe déjà.", "duplicate_topic")


@transaction.atomic
def topic_set_archived(*, topic: Topic, archived: bool) -> Topic:
    """Archive a topic: it leaves the form, its past visits keep it."""
    topic.is_archived = archived
    topic.save(update_fields=["is_archived"])
    return topic
