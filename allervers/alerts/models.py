"""« Prévenez-moi »: residents subscribed to the bus at their sites, and the alerts sent to them.

A `Subscription` is one phone number (or one e-mail address) of one structure, with its sites
(`SubscriptionSite` rows). It is confirmed by a code (double opt-in) or made by an agent at the bus
door with the person's consent; it holds no name. Unsubscribing deletes the row at once (the
number goes with it): only a count is kept (`UnsubscriptionCount`).

An `AlertMessage` is one alert to one subscription about one stop and one event, unique so that
it is never sent twice; it is claimed (pending → sending) before it is sent, like a
`BookingMessage`, and it keeps neither the number nor the text: once its subscription is deleted
it stays as a figure (the month, the site, the outcome)."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import AlertKind, AlertStatus, EndReason, SubscriptionSource

OPERATOR = "operators.Operator"


def new_secret() -> str:
    """The secret of a subscription's links (a message's link, the confirmation page)."""
    return secrets.token_urlsafe(16)


class SubscriptionQuerySet(OperatorOwnedQuerySet):
    def confirmed(self):
        return self.filter(confirmed_at__isnull=False, ending_at__isnull=True)


class Subscription(models.Model):
    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    phone = models.CharField("numéro de mobile", max_length=20, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    secret = models.CharField(max_length=32, default=new_secret, editable=False)
    # The confirmation code: only its digest, its moment and the wrong tries.
    code_digest = models.CharField(max_length=64, blank=True, editable=False)
    code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    code_attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    consent_text = models.TextField("phrase de consentement")
    consent_version = models.CharField(max_length=20)
    source = models.CharField(max_length=10, choices=SubscriptionSource.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Renewed by a confirmation and by each visit of a message's link; 12 months without: ended.
    last_used_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # Its last message is queued; the row goes once it has left.
    ending_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = "abonnement aux alertes"
        verbose_name_plural = "abonnements aux alertes"
        indexes = [models.Index(fields=["operator", "phone"], name="alert_subscription_phone")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(email=""), name="alert_subscription_reachable"
            ),
            models.UniqueConstraint(
                fields=["operator", "phone"],
                condition=Q(confirmed_at__isnull=False) & ~Q(phone=""),
                name="alert_subscription_one_per_phone",
            ),
            models.UniqueConstraint(
                "operator",
                Lower("email"),
                condition=Q(confirmed_at__isnull=False) & ~Q(email=""),
                name="alert_subscription_one_per_email",
            ),
            models.CheckConstraint(
                condition=Q(source__in=SubscriptionSource.values),
                name="alert_subscription_source_known_value",
            ),
        ]

    def __str__(self) -> str:
        return f"Abonnement {self.pk}"

    @property
    def channel(self) -> str:
        return "sms" if self.phone else "email"


class SubscriptionSite(models.Model):
    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="sites")
    site = models.ForeignKey("planning.Site", on_delete=models.CASCADE, related_name="+")

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu d'un abonnement"
        verbose_name_plural = "lieux des abonnements"
        constraints = [
            models.UniqueConstraint(fields=["subscription", "site"], name="alert_site_once")
        ]
        indexes = [models.Index(fields=["site", "subscription"], name="alert_site_subscribers")]

    def __str__(self) -> str:
        return f"Lieu {self.site_id} de l'abonnement {self.subscription_id}"


class AlertSitePause(models.Model):
    """The coordinator paused the alerts of a site: nothing is queued for it meanwhile."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    site = models.OneToOneField("planning.Site", on_delete=models.CASCADE, related_name="+")
    paused_at = models.DateTimeField(default=timezone.now)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "pause des alertes d'un lieu"
        verbose_name_plural = "pauses des alertes"

    def __str__(self) -> str:
        return f"Pause du lieu {self.site_id}"


class AlertMessageQuerySet(OperatorOwnedQuerySet):
    def due(self, now):
        """Pending, its moment come and not past."""
        return self.filter(
            status=AlertStatus.PENDING, not_before__lte=now, not_after__gt=now
        ).order_by("not_before", "pk")


class AlertMessage(models.Model):
    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(
        Subscription, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    site = models.ForeignKey("planning.Site", on_delete=models.CASCADE, related_name="+")
    stop = models.ForeignKey(
        "planning.Stop", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=AlertKind.choices)
    # Tells two moves of one stop apart (the moment of the move); "" otherwise.
    discriminator = models.CharField(max_length=40, blank=True, default="")
    channel = models.CharField(max_length=5, default="sms")
    status = models.CharField(
        max_length=10, choices=AlertStatus.choices, default=AlertStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    delivery_status = models.CharField(max_length=30, blank=True)
    delivery_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Not before (quiet hours, a retry's delay), never after (the moment it speaks of).
    not_before = models.DateTimeField(default=timezone.now)
    not_after = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = AlertMessageQuerySet.as_manager()

    class Meta:
        verbose_name = "alerte"
        verbose_name_plural = "alertes"
        indexes = [
            models.Index(fields=["status", "not_before"], name="alert_message_due"),
            models.Index(fields=["operator", "created_at"], name="alert_message_month"),
            models.Index(fields=["provider_message_id"], name="alert_message_provider_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "stop", "kind", "discriminator"],
                name="alert_message_once",
            ),
            models.UniqueConstraint(
                fields=["subscription", "kind"],
                condition=Q(stop__isnull=True),
                name="alert_message_farewell_once",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AlertKind.values), name="alert_message_kind_known_value"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AlertStatus.values),
                name="alert_message_status_known_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.pk}"


class UnsubscriptionCount(models.Model):
    """How many subscriptions ended in a month, and why: all that outlives a subscription."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    reason = models.CharField(max_length=20, choices=EndReason.choices)
    count = models.PositiveIntegerField(default=0)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "désabonnements du mois"
        verbose_name_plural = "désabonnements par mois"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "month", "reason"], name="alert_unsubscription_month"
            ),
            models.CheckConstraint(
                condition=Q(reason__in=EndReason.values),
                name="alert_unsubscription_reason_known_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} {self.get_reason_display()} : {self.count}"
