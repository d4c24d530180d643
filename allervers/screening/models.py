"""The screening of a household's rights during a visit, the rights it found and their outcome.

Privacy (docs/privacy.md): a `Screening` keeps the household's answers (`inputs`) only while one
of its referrals is open; then `inputs` is emptied and its `ScreeningRight` rows are detached
(no screening, no referral): what remains tied to the visit is the list of kinds found
(`kinds_found`); a detached row keeps only its month (`made_on`, the first day), its kind, its
outcome and a rounded amount band (`amount_band`): its amount and participation are emptied.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import AmountBand, RightKind, RightOutcome, SendChannel

OPERATOR = "operators.Operator"


def _partner(kind: RightKind) -> models.ForeignKey:
    return models.ForeignKey(
        "partners.Partner",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=kind.label,
    )


class ScreeningSetup(models.Model):
    """The coordinator's settings: the commune proposed by default, and the partner that handles
    each right (a referral from a right found goes there)."""

    operator = models.OneToOneField(
        OPERATOR, on_delete=models.CASCADE, related_name="screening_setup"
    )
    default_commune = models.CharField(
        "commune proposée par défaut (code INSEE)", max_length=5, blank=True
    )
    partner_rsa = _partner(RightKind.RSA)
    partner_ppa = _partner(RightKind.PPA)
    partner_housing = _partner(RightKind.HOUSING)
    partner_css = _partner(RightKind.CSS)
    partner_af = _partner(RightKind.AF)
    partner_cf = _partner(RightKind.CF)
    partner_asf = _partner(RightKind.ASF)
    partner_aah = _partner(RightKind.AAH)
    partner_aspa = _partner(RightKind.ASPA)
    partner_asi = _partner(RightKind.ASI)
    partner_energy = _partner(RightKind.ENERGY)
    partner_college_grant = _partner(RightKind.COLLEGE_GRANT)
    partner_lycee_grant = _partner(RightKind.LYCEE_GRANT)
    partner_christmas_bonus = _partner(RightKind.CHRISTMAS_BONUS)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "réglage du repérage des droits"

    def __str__(self) -> str:
        return "Réglages du repérage des droits"

    def partner_for(self, kind: str):
        return getattr(self, f"partner_{kind}")


class ScreeningQuerySet(OperatorOwnedQuerySet):
    def with_rights(self) -> "ScreeningQuerySet":
        return self.select_related("visit__stop__site").prefetch_related("rights__referral")


class Screening(models.Model):
    """A household's situation entered during a visit, with the person's consent, and its
    estimate for one month."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    visit = models.ForeignKey(
        "reception.Visit",
        on_delete=models.CASCADE,
        related_name="screenings",
        verbose_name="visite",
    )
    month = models.DateField("mois estimé")  # its first day
    made_at = models.DateTimeField("fait le")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="fait par",
    )
    # The answers of the form (household, incomes, housing, commune), as the estimate read them;
    # None once emptied (every referral made from it closed).
    inputs = models.JSONField("réponses", null=True, blank=True)
    inputs_cleared_at = models.DateTimeField("réponses effacées le", null=True, blank=True)
    kinds_found = models.JSONField("droits repérés", default=list, blank=True)
    # The answers are saved before the computation: empty until an estimate succeeded; `failure`
    # says (in French) why the last one did not, and the detail page offers to run it again.
    estimated_at = models.DateTimeField("estimé le", null=True, blank=True)
    failure = models.CharField("échec du calcul", max_length=300, blank=True, default="")

    objects = ScreeningQuerySet.as_manager()

    class Meta:
        verbose_name = "repérage des droits"
        ordering = ["-made_at"]
        indexes = [models.Index(fields=["operator", "made_at"], name="screening_operator_made")]
        constraints = [
            models.CheckConstraint(
                condition=Q(inputs__isnull=True) | Q(inputs_cleared_at__isnull=True),
                name="screening_inputs_or_cleared",
            )
        ]

    def __str__(self) -> str:
        return f"Repérage des droits du {self.made_at:%d/%m/%Y}"


class ScreeningRightQuerySet(OperatorOwnedQuerySet):
    def missing(self) -> "ScreeningRightQuerySet":
        return self.filter(likely_missing=True)


class ScreeningRight(models.Model):
    """One right the estimate found for a household (eligible), already received or likely
    missing; followed through its referral to its outcome."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    screening = models.ForeignKey(
        Screening,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rights",
        verbose_name="repérage",
    )
    made_on = models.DateField("repéré le")
    kind = models.CharField("droit", max_length=20, choices=RightKind.choices)
    amount = models.DecimalField(
        "montant mensuel estimé", max_digits=8, decimal_places=2, null=True, blank=True
    )
    participation = models.DecimalField(
        "participation mensuelle", max_digits=8, decimal_places=2, null=True, blank=True
    )
    # Set when the row is detached, in place of `amount` (emptied then).
    amount_band = models.CharField(
        "tranche du montant", max_length=10, choices=AmountBand.choices, blank=True, default=""
    )
    already_received = models.BooleanField("déjà perçu", default=False)
    likely_missing = models.BooleanField("probablement non perçu", default=False)
    referral = models.OneToOneField(
        "reception.Referral",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="screening_right",
        verbose_name="orientation",
    )
    referred_at = models.DateTimeField("orienté le", null=True, blank=True)
    outcome = models.CharField(
        "issue", max_length=20, choices=RightOutcome.choices, blank=True, default=""
    )
    outcome_at = models.DateTimeField("issue connue le", null=True, blank=True)

    objects = ScreeningRightQuerySet.as_manager()

    class Meta:
        verbose_name = "droit repéré"
        ordering = ["pk"]
        indexes = [models.Index(fields=["operator", "made_on"], name="screeningright_op_made")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RightKind.values), name="screeningright_kind_known_value"
            ),
            models.CheckConstraint(
                condition=Q(outcome__in=["", *RightOutcome.values]),
                name="screeningright_outcome_known_value",
            ),
            models.CheckConstraint(
                condition=Q(amount_band__in=["", *AmountBand.values]),
                name="screeningright_band_known_value",
            ),
            models.CheckConstraint(
                condition=Q(amount_band="") | Q(amount__isnull=True),
                name="screeningright_amount_or_band",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="screeningright_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(already_received=True, likely_missing=True),
                name="screeningright_received_or_missing",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(referred_at__isnull=False),
                name="screeningright_outcome_after_referral",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class EstimatedRightsLinkQuerySet(OperatorOwnedQuerySet):
    def usable(self, now) -> "EstimatedRightsLinkQuerySet":
        """Links that open their page: sent, neither expired, revoked nor failed."""
        return self.filter(
            sent_at__isnull=False, revoked_at__isnull=True, expires_at__gt=now, failure=""
        )


class EstimatedRightsLink(models.Model):
    """« Vos droits estimés » sent to the person, with her consent, as a link to a public page
    (no login): the link's token is kept hashed only (`token_hash`), it expires (`expires_at`)
    and the agent may revoke it. The address or number typed is held (`pending_recipient`, with
    the token: `pending_token`) only until the task sends the message, then emptied: what
    remains is its masked form (`recipient_shown`). Personal data (`privacy.py`): in the
    person's export, removed by her erasure, and by the daily sweep once expired or revoked."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    screening = models.ForeignKey(
        Screening, on_delete=models.CASCADE, related_name="links", verbose_name="repérage"
    )
    # The visit's person when it has one: her erasure (which first detaches her visits) and her
    # export find her links by it.
    person = models.ForeignKey(
        "reception.Person",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="personne",
    )
    token_hash = models.CharField("empreinte du lien", max_length=64, unique=True)
    channel = models.CharField("envoi par", max_length=10, choices=SendChannel.choices)
    named = models.BooleanField("avec le nom", default=False)
    recipient_shown = models.CharField("destinataire (masqué)", max_length=80)
    pending_recipient = models.CharField(
        "destinataire à joindre", max_length=254, blank=True, default=""
    )
    pending_token = models.CharField("lien à envoyer", max_length=64, blank=True, default="")
    consent_at = models.DateTimeField("accord de la personne le")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyé par",
    )
    created_at = models.DateTimeField("créé le")
    expires_at = models.DateTimeField("expire le")
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    failure = models.CharField("échec de l'envoi", max_length=200, blank=True, default="")
    revoked_at = models.DateTimeField("retiré le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="retiré par",
    )

    objects = EstimatedRightsLinkQuerySet.as_manager()

    class Meta:
        verbose_name = "lien « Vos droits estimés »"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["operator", "screening"], name="rightslink_op_screening"),
            models.Index(fields=["expires_at"], name="rightslink_expires"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=SendChannel.values), name="rightslink_channel_known_value"
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")),
                name="rightslink_expires_after_creation",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(pending_recipient="", pending_token=""),
                name="rightslink_sent_forgets_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"Vos droits estimés, {self.get_channel_display()} {self.recipient_shown}"
