import datetime
import unicodedata

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import (
    OPEN_REFERRAL_STATUSES,
    ConsentPurpose,
    CyberPurpose,
    ErasureDecision,
    ReferralStatus,
    VisitChangeKind,
    VisitSource,
)
from .questions import QUESTIONS

OPERATOR = "operators.Operator"


class TopicQuerySet(OperatorOwnedQuerySet):
    def active(self):
        return self.filter(is_archived=False)


class Topic(models.Model):
    """A request theme, configurable per operator."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="topics")
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant", max_length=80)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_archived = models.BooleanField("archivé", default=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = "thématique"
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "slug"], name="topic_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(OperatorOwnedQuerySet):
    def matching(self, query: str) -> "PersonQuerySet":
        """People whose name contains every word of `query` (accents and case ignored)."""
        queryset = self
        for word in search_key_of(query).split():
            queryset = queryset.filter(search_key__contains=word)
        return queryset


def search_key_of(*parts: str) -> str:
    """Lower-case, accent-free text used to search people by name on every database."""
    text = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())


class Person(models.Model):
    """A named resident, kept only with their recorded consent, to follow them up."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="persons")
    first_name = models.CharField("prénom", max_length=100, blank=True)
    last_name = models.CharField("nom", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    search_key = models.CharField(max_length=201, editable=False, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "personne suivie"
        verbose_name_plural = "personnes suivies"
        ordering = ["last_name", "first_name"]
        indexes = [models.Index(fields=["operator", "search_key"], name="person_operator_search")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(first_name="") | ~Q(last_name=""), name="person_has_a_name"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.search_key = search_key_of(self.first_name, self.last_name)
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in [self.first_name, self.last_name.upper()] if part)

    def has_consent(self, purpose: str) -> bool:
        """Whether the person's consent for `purpose` is given and not withdrawn (one query)."""
        return self.consents.active().filter(purpose=purpose).exists()


class PersonConsentQuerySet(OperatorOwnedQuerySet):
    def active(self) -> "PersonConsentQuerySet":
        return self.filter(withdrawn_at__isnull=True)


class PersonConsent(models.Model):
    """A person's consent for one purpose: when it was given, who recorded it, and its withdrawal.

    A withdrawn consent stays (with who withdrew it and when) as the record of what the person
    agreed to; giving it again adds a row. At most one consent per purpose is in force."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name="personne"
    )
    purpose = models.CharField("finalité", max_length=20, choices=ConsentPurpose.choices)
    given_on = models.DateField("donné le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="recueilli par",
    )
    recorded_at = models.DateTimeField("enregistré le", default=timezone.now)
    withdrawn_at = models.DateTimeField("retiré le", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="retrait enregistré par",
    )

    objects = PersonConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "consentement"
        ordering = ["recorded_at", "pk"]
        indexes = [
            models.Index(fields=["operator", "person"], name="personconsent_operator_person")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose__in=ConsentPurpose.values),
                name="personconsent_purpose_known_value",
            ),
            models.UniqueConstraint(
                fields=["person", "purpose"],
                condition=Q(withdrawn_at__isnull=True),
                name="personconsent_one_in_force_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} ({self.given_on:%d/%m/%Y})"


class VisitQuerySet(OperatorOwnedQuerySet):
    def with_details(self) -> "VisitQuerySet":
        return self.select_related("stop__site", "person", "created_by").prefetch_related(
            "topics", "partners_seen"
        )

    def on_date(self, day: datetime.date) -> "VisitQuerySet":
        return self.filter(stop__date=day)

    def in_bus(self) -> "VisitQuerySet":
        """Visits not finished yet: the people still in the bus."""
        return self.filter(left_at__isnull=True)

    def between(self, start: datetime.date, end: datetime.date) -> "VisitQuerySet":
        return self.filter(stop__date__gte=start, stop__date__lte=end)


class Visit(models.Model):
    """One reception of one person at one stop; anonymous unless linked to a consenting Person."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="visits")
    stop = models.ForeignKey(
        "planning.Stop",
        on_delete=models.PROTECT,
        related_name="visits",
        verbose_name="permanence",
    )
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="visits",
        verbose_name="personne suivie",
    )
    arrived_at = models.DateTimeField("arrivée")
    left_at = models.DateTimeField("départ", null=True, blank=True)
    topics = models.ManyToManyField(
        Topic, through="VisitTopic", related_name="visits", verbose_name="thématiques"
    )
    partners_seen = models.ManyToManyField(
        "partners.Partner",
        through="VisitPartner",
        related_name="visits",
        verbose_name="partenaires rencontrés",
    )
    cyber_used = models.BooleanField("a utilisé le cyber@atelier", default=False)
    cyber_purpose = models.CharField(
        "usage du cyber@atelier", max_length=20, choices=CyberPurpose.choices, blank=True
    )
    note = models.CharField("note", max_length=500, blank=True)
    # The visits of a person whose record was anonymised (retention) or erased (on request) share
    # a random number, tied to nothing else: « personnes différentes » still counts them as one
    # person, as it did before, while no identity is left (docs/privacy.md, « Retention »).
    anonymous_group = models.PositiveBigIntegerField(
        "groupe anonyme", null=True, blank=True, editable=False
    )
    source = models.CharField(
        "origine", max_length=20, choices=VisitSource.choices, default=VisitSource.ENTERED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisie par",
    )
    # Made by the tablet for a visit recorded without network (`reception/sync.py`): a visit
    # sent again (a retried synchronisation) is found by it and never created twice.
    client_id = models.UUIDField(
        "identifiant de la tablette", null=True, blank=True, editable=False
    )
    # Incremented by each change of the visit (finish, correction, person linked): the
    # correction form carries the version it showed, and a stale one is refused
    # (`core/versions.py`); who changed it last is its last history line.
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = "visite"
        ordering = ["-arrived_at"]
        indexes = [
            models.Index(fields=["operator", "arrived_at"], name="visit_operator_arrived"),
            models.Index(fields=["operator", "stop"], name="visit_operator_stop"),
            models.Index(fields=["operator", "person"], name="visit_operator_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "client_id"], name="visit_unique_client_id"
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gt=F("arrived_at")),
                name="visit_left_after_arrived",
            ),
            models.CheckConstraint(
                condition=(Q(cyber_used=True) & ~Q(cyber_purpose=""))
                | (Q(cyber_used=False) & Q(cyber_purpose="")),
                name="visit_cyber_purpose_iff_used",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(anonymous_group__isnull=True),
                name="visit_person_or_anonymous_group",
            ),
            # Each closed question's answer is one of its choices.
            *(question.constraint() for question in QUESTIONS),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.arrived_at)
        return f"Visite du {local:%d/%m/%Y à %H:%M}"

    @property
    def duration(self) -> datetime.timedelta | None:
        if self.left_at is None:
            return None
        return self.left_at - self.arrived_at

    @property
    def duration_minutes(self) -> int | None:
        duration = self.duration
        return None if duration is None else round(duration.total_seconds() / 60)


# The answers to the closed questions: one column per entry of the registry.
for _question in QUESTIONS:
    Visit.add_to_class(_question.field, _question.model_field())


class VisitTopic(models.Model):
    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_topics")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="visit_topics")

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "thématique d'une visite"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "visit", "topic"], name="visit_topic_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.topic_id)


class VisitPartner(models.Model):
    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="visit_partners")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="visit_partners"
    )

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire rencontré lors d'une visite"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "visit", "partner"], name="visit_partner_unique"
            )
        ]

    def __str__(self) -> str:
        return str(self.partner_id)


class VisitChange(models.Model):
    """A history line of a visit: who did what, when, and which answers changed."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField("action", max_length=20, choices=VisitChangeKind.choices)
    changed_at = models.DateTimeField("le", default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    # {field name: {"label": French label, "before": shown value, "after": shown value}}
    changes = models.JSONField("modifications", default=dict, blank=True)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "historique d'une visite"
        ordering = ["changed_at", "pk"]
        indexes = [
            models.Index(fields=["operator", "visit", "changed_at"], name="visitchange_op_visit")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.changed_at:%d/%m/%Y %H:%M})"


class ReferralQuerySet(OperatorOwnedQuerySet):
    def with_details(self) -> "ReferralQuerySet":
        return self.select_related(
            "partner", "visit__stop__site", "visit__person", "status_changed_by"
        )

    def open(self) -> "ReferralQuerySet":
        return self.filter(status__in=OPEN_REFERRAL_STATUSES)

    def overdue(self, *, now: datetime.datetime, days: int) -> "ReferralQuerySet":
        """Open referrals proposed more than `days` days before `now`."""
        return self.open().filter(proposed_at__lt=now - datetime.timedelta(days=days))

    def for_partner(self, partner) -> "ReferralQuerySet":
        return self.filter(partner=partner)


class Referral(models.Model):
    """A visit's person sent to a partner, followed until taken up or dropped (non-recours)."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="referrals")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="referrals", verbose_name="visite"
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name="partenaire",
    )
    reason = models.CharField("motif", max_length=300)
    status = models.CharField(
        "statut", max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.PROPOSED
    )
    proposed_at = models.DateTimeField("proposée le")
    sent_at = models.DateTimeField("transmise le", null=True, blank=True)
    taken_up_at = models.DateTimeField("prise en charge le", null=True, blank=True)
    dropped_at = models.DateTimeField("abandonnée le", null=True, blank=True)
    status_changed_at = models.DateTimeField("statut changé le")
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="statut changé par",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="proposée par",
    )
    # Incremented by each change of status: the status form carries the version it showed, and
    # a stale one is refused (`core/versions.py`), naming `status_changed_by`.
    version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "orientation"
        ordering = ["-proposed_at"]
        indexes = [
            models.Index(fields=["operator", "status"], name="referral_operator_status"),
            models.Index(fields=["operator", "partner"], name="referral_operator_partner"),
            models.Index(fields=["operator", "proposed_at"], name="referral_operator_proposed"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ReferralStatus.values), name="referral_status_known_value"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="referral_reason_required"),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.SENT) | Q(sent_at__isnull=False),
                name="referral_sent_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.TAKEN_UP) | Q(taken_up_at__isnull=False),
                name="referral_taken_up_has_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReferralStatus.DROPPED) | Q(dropped_at__isnull=False),
                name="referral_dropped_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Orientation vers {self.partner}"

    def is_overdue(self, *, now: datetime.datetime, days: int) -> bool:
        return (
            self.status in OPEN_REFERRAL_STATUSES
            and self.proposed_at < now - datetime.timedelta(days=days)
        )


class ReferralEvent(models.Model):
    """A referral's status history: each status it went through, when and by whom."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    status = models.CharField("statut", max_length=20, choices=ReferralStatus.choices)
    changed_at = models.DateTimeField("le")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    note = models.CharField("précision", max_length=300, blank=True)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "étape d'une orientation"
        ordering = ["changed_at", "pk"]
        indexes = [
            models.Index(
                fields=["operator", "referral", "changed_at"], name="referralevent_op_referral"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.changed_at:%d/%m/%Y})"


class CyberUsage(models.Model):
    """How the cyber-atelier's seats were used at one stop (entered by the animator)."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    stop = models.ForeignKey("planning.Stop", on_delete=models.PROTECT, related_name="cyber_usages")
    seats_used = models.PositiveSmallIntegerField("postes utilisés")
    people_count = models.PositiveSmallIntegerField("personnes accueillies")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="saisi par",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "utilisation du cyber@atelier"
        constraints = [
            models.UniqueConstraint(fields=["operator", "stop"], name="cyberusage_one_per_stop"),
            models.CheckConstraint(
                condition=Q(people_count__gte=F("seats_used")),
                name="cyberusage_people_fill_the_seats",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seats_used} postes, {self.people_count} personnes"


class ErasureRequestQuerySet(OperatorOwnedQuerySet):
    def pending(self) -> "ErasureRequestQuerySet":
        return self.filter(decision=ErasureDecision.PENDING)


class ErasureRequest(models.Model):
    """An agent's request to erase a person, and the coordinator's decision.

    At most one request is pending per person. The person's link is SET_NULL so that the erasure
    itself is never blocked: `person_anonymise` closes the pending requests and empties their
    free texts before the person's row goes (docs/privacy.md, « Who can erase »)."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="erasure_requests",
        verbose_name="personne",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="demandée par",
    )
    requested_at = models.DateTimeField("demandée le", default=timezone.now)
    reason = models.TextField("précisions", blank=True, max_length=1000)
    decision = models.CharField(
        "décision",
        max_length=10,
        choices=ErasureDecision.choices,
        default=ErasureDecision.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="décidée par",
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True, max_length=1000)

    objects = ErasureRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'effacement"
        ordering = ["requested_at", "pk"]
        indexes = [
            models.Index(fields=["operator", "decision"], name="erasurerequest_operator_dec")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=ErasureDecision.values),
                name="erasurerequest_decision_known_value",
            ),
            models.CheckConstraint(
                condition=Q(decision=ErasureDecision.PENDING, decided_at__isnull=True)
                | (~Q(decision=ErasureDecision.PENDING) & Q(decided_at__isnull=False)),
                name="erasurerequest_decided_at_with_decision",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(decision=ErasureDecision.PENDING),
                name="erasurerequest_one_pending_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"Demande d'effacement du {self.requested_at:%d/%m/%Y}"
