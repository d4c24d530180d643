"""Bookings: appointments with a partner (or the bus team) at a stop, and workshops with seats.

An `AppointmentOpening` makes a stop bookable for one partner (or the bus team when `partner` is
empty): from a time to a time, in slots of `slot_minutes`, with `desks` appointments at once.
The slots are computed (`slots.py`), not stored; an `Appointment` holds one. A `Workshop` is a
group activity at a stop with `capacity` seats; a `Registration` holds a seat or a place on its
waiting list. The places are counted under a lock of the stop or the workshop (`services.py`),
so that two people never get the last one."""

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from allervers.core.sms_delivery import DeliveryStatus
from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import (
    APPOINTMENT_HOLDS_PLACE,
    AppointmentStatus,
    Attendance,
    BookingSource,
    MessageChannel,
    MessageStatus,
    RegistrationStatus,
)

OPERATOR = "operators.Operator"


def new_secret() -> str:
    """The secret a booking's link carries (with a signature): changing it revokes the link."""
    return secrets.token_urlsafe(16)


class AppointmentOpeningQuerySet(OperatorOwnedQuerySet):
    def bookable_by_public(self):
        return self.filter(public_booking=True)


class AppointmentOpening(models.Model):
    """A stop made bookable for a partner (or the bus team): hours, slot length, desks."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    stop = models.ForeignKey(
        "planning.Stop", on_delete=models.PROTECT, related_name="appointment_openings"
    )
    # Empty: the bus team itself (the agents) takes the appointments.
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="appointment_openings",
        verbose_name="partenaire",
    )
    start_time = models.TimeField("de")
    end_time = models.TimeField("à")
    slot_minutes = models.PositiveSmallIntegerField("durée d'un rendez-vous (minutes)")
    desks = models.PositiveSmallIntegerField(
        "rendez-vous en même temps",
        default=1,
        help_text="Le nombre de personnes du partenaire qui reçoivent en même temps.",
    )
    public_booking = models.BooleanField("réservable en ligne par les habitants", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AppointmentOpeningQuerySet.as_manager()

    class Meta:
        verbose_name = "ouverture de rendez-vous"
        verbose_name_plural = "ouvertures de rendez-vous"
        ordering = ["stop__date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="opening_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=240),
                name="opening_slot_minutes_range",
            ),
            models.CheckConstraint(condition=Q(desks__gte=1), name="opening_desks_positive"),
            models.UniqueConstraint(
                fields=["stop", "partner"],
                condition=Q(partner__isnull=False),
                name="opening_one_per_partner_and_stop",
            ),
            models.UniqueConstraint(
                fields=["stop"],
                condition=Q(partner__isnull=True),
                name="opening_one_for_the_team_per_stop",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who} — {self.stop}"

    @property
    def who(self) -> str:
        return self.partner.name if self.partner_id else "L'équipe du bus"


class BookingContact(models.Model):
    """Who booked: a followed person, or only a first name and a way to reach them."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        "reception.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="personne suivie",
    )
    first_name = models.CharField("prénom", max_length=100, blank=True)
    # E.164 (+33612345678), normalised by `phones.normalise_phone`.
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("adresse électronique", blank=True)
    contact_consent = models.BooleanField("accepte d'être contacté(e)", default=False)
    source = models.CharField(
        "réservé", max_length=10, choices=BookingSource.choices, default=BookingSource.PUBLIC
    )
    secret = models.CharField(max_length=32, default=new_secret, editable=False)
    # When the contact details of a booking without a person were erased (`retention`).
    contact_erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.full_name
        return self.first_name or "Personne sans nom"

    @property
    def can_be_reached(self) -> bool:
        return self.contact_consent and bool(self.phone or self.email)


class AppointmentQuerySet(OperatorOwnedQuerySet):
    def holding_place(self):
        return self.filter(status__in=APPOINTMENT_HOLDS_PLACE)

    def overlapping(self, start_time: datetime.time, end_time: datetime.time):
        return self.filter(start_time__lt=end_time, end_time__gt=start_time)


class Appointment(BookingContact):
    """A booked slot with a partner (or the bus team) at a stop."""

    opening = models.ForeignKey(
        AppointmentOpening, on_delete=models.PROTECT, related_name="appointments"
    )
    start_time = models.TimeField("heure")
    end_time = models.TimeField("fin")
    topic = models.ForeignKey(
        "reception.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="pour",
    )
    status = models.CharField(
        "statut", max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # An honoured appointment is a visit ("sur rendez-vous"): the reports count the visit.
    visit = models.OneToOneField(
        "reception.Visit",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointment",
    )
    # True when `visit` was made by recording the attendance (not an agent's visit linked to it):
    # only such a visit is removed when the attendance is changed back from honoured.
    visit_made_by_attendance = models.BooleanField(default=False, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["opening__stop__date", "start_time", "pk"]
        indexes = [models.Index(fields=["operator", "status"], name="appointment_operator_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AppointmentStatus.values),
                name="appointment_status_known_value",
            ),
            models.CheckConstraint(
                condition=Q(visit__isnull=True) | Q(status=AppointmentStatus.HONOURED),
                name="appointment_visit_only_when_honoured",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} — {self.opening.who}, {self.start_time:%H:%M}"

    @property
    def stop(self):
        return self.opening.stop

    @property
    def is_active(self) -> bool:
        return self.status == AppointmentStatus.BOOKED


DEFAULT_SLOT_MINUTES = 30
DEFAULT_DESKS = 1


class PartnerBookingDefaults(models.Model):
    """How a partner (or the bus team, `partner` empty) usually receives by appointment: the
    length of one appointment and how many of its people receive at once. The opening form
    starts from them; each opening keeps its own copy (changing the defaults changes no opening).
    """

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="partenaire",
    )
    slot_minutes = models.PositiveSmallIntegerField(
        "durée d'un rendez-vous (minutes)", default=DEFAULT_SLOT_MINUTES
    )
    desks = models.PositiveSmallIntegerField(
        "rendez-vous en même temps",
        default=DEFAULT_DESKS,
        help_text="Le nombre de personnes qui reçoivent en même temps.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "réglages des rendez-vous"
        verbose_name_plural = "réglages des rendez-vous"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "partner"],
                condition=Q(partner__isnull=False),
                name="booking_defaults_one_per_partner",
            ),
            models.UniqueConstraint(
                fields=["operator"],
                condition=Q(partner__isnull=True),
                name="booking_defaults_one_for_the_team",
            ),
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5, slot_minutes__lte=240),
                name="booking_defaults_slot_minutes_range",
            ),
            models.CheckConstraint(
                condition=Q(desks__gte=1), name="booking_defaults_desks_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot_minutes} min, {self.desks} à la fois"


class WorkshopQuerySet(OperatorOwnedQuerySet):
    def not_cancelled(self):
        return self.filter(cancelled_at__isnull=True)

    def public(self):
        return self.not_cancelled().filter(stop__status="held")


class Workshop(models.Model):
    """A group activity at a stop (a CV workshop, a creative lab) with a number of seats."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    stop = models.ForeignKey("planning.Stop", on_delete=models.PROTECT, related_name="workshops")
    title = models.CharField("intitulé", max_length=200)
    topic = models.ForeignKey(
        "reception.Topic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="thématique",
    )
    description = models.TextField("présentation", blank=True)
    start_time = models.TimeField("de")
    end_time = models.TimeField("à")
    capacity = models.PositiveSmallIntegerField("places")
    public_registration = models.BooleanField(
        "inscription en ligne par les habitants", default=True
    )
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The calendar feeds' DTSTAMP and SEQUENCE: a subscribed calendar updates the event.
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkshopQuerySet.as_manager()

    class Meta:
        verbose_name = "atelier collectif"
        verbose_name_plural = "ateliers collectifs"
        ordering = ["stop__date", "start_time", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="workshop_end_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="workshop_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.title} — {self.stop}"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class RegistrationQuerySet(OperatorOwnedQuerySet):
    def registered(self):
        return self.filter(status=RegistrationStatus.REGISTERED)

    def waiting(self):
        return self.filter(status=RegistrationStatus.WAITING).order_by("created_at", "pk")


class Registration(BookingContact):
    """A seat in a workshop, or a place on its waiting list (promoted in order)."""

    workshop = models.ForeignKey(Workshop, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(
        "statut",
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    promoted_at = models.DateTimeField("passé de la liste d'attente le", null=True, blank=True)
    attendance = models.CharField(
        "présence", max_length=10, choices=Attendance.choices, blank=True, default=""
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["operator", "workshop", "status"], name="registration_status")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values),
                name="registration_status_known_value",
            ),
            models.CheckConstraint(
                condition=Q(attendance="") | Q(status=RegistrationStatus.REGISTERED),
                name="registration_attendance_only_when_registered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} — {self.workshop.title}"


class BookingMessage(models.Model):
    """One message about a booking on one channel: the key that makes sending idempotent.

    The key is (kind of booking, its id, event, channel, discriminator); the discriminator tells
    apart the messages of the same event that must each be sent once (the reminder's date, the
    booking's secret after a move, the moment of a stop's move). A task claims the row (pending →
    sending) before sending, so a retried or doubled task never sends twice. Neither the address
    nor the text is kept here: nothing personal outlives the booking's own contact details.

    An SMS also has its delivery (`delivery_status`, forward only: queued, sent, then delivered
    or failed as the provider reports, or expired when its moment passed before it could leave),
    the provider's id of the message (what its delivery reports name) and, after a provider
    outage, its attempts and the moment of the next one (`messages.py`)."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    booking_kind = models.CharField(max_length=20)
    booking_id = models.PositiveBigIntegerField()
    event = models.CharField(max_length=40)
    channel = models.CharField(max_length=10, choices=MessageChannel.choices)
    discriminator = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivery_status = models.CharField(
        "état de l'envoi", max_length=10, choices=DeliveryStatus.choices, blank=True
    )
    delivery_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "message de réservation"
        verbose_name_plural = "messages de réservation"
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["operator", "booking_kind", "booking_id"], name="booking_message_booking"
            ),
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="booking_message_provider_id",
            ),
            models.Index(
                fields=["retry_at"],
                condition=Q(status="pending", retry_at__isnull=False),
                name="booking_message_retry",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["booking_kind", "booking_id", "event", "channel", "discriminator"],
                name="booking_message_once",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MessageStatus.values),
                name="booking_message_status_known_value",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=MessageChannel.values),
                name="booking_message_channel_known_value",
            ),
            models.CheckConstraint(
                condition=Q(delivery_status__in=["", *DeliveryStatus.values]),
                name="booking_message_delivery_status_known_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} ({self.channel}) — {self.booking_kind} {self.booking_id}"


class BookingMessageReport(models.Model):
    """A delivery status the SMS provider reported for a message, with its moment: every one is
    kept (the message itself keeps the furthest, `BookingMessage.delivery_status`). A report
    received twice is kept once. No number, no text: the provider's word only."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(BookingMessage, on_delete=models.CASCADE, related_name="reports")
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices)
    reported_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "état d'envoi signalé"
        verbose_name_plural = "états d'envoi signalés"
        ordering = ["reported_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "status", "reported_at"], name="booking_message_report_once"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values),
                name="booking_message_report_status_known_value",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} — {self.message}"


class TopicPartnerQuerySet(OperatorOwnedQuerySet):
    def partner_ids_by_topic(self) -> dict[int, set[int]]:
        """Theme id → ids of its partners (themes without any are absent)."""
        mapping: dict[int, set[int]] = {}
        for topic_id, partner_id in self.values_list("topic_id", "partner_id"):
            mapping.setdefault(topic_id, set()).add(partner_id)
        return mapping


class TopicPartner(models.Model):
    """A request theme the residents may choose when booking, and a partner who answers it.

    A theme without any row offers every partner with bookable openings (see
    `allervers.public.booking_queries.partners_for_topic`)."""

    operator = models.ForeignKey(OPERATOR, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(
        "reception.Topic", on_delete=models.CASCADE, related_name="+", verbose_name="thématique"
    )
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.CASCADE, related_name="+", verbose_name="partenaire"
    )

    objects = TopicPartnerQuerySet.as_manager()

    class Meta:
        verbose_name = "partenaire d'une thématique"
        verbose_name_plural = "partenaires des thématiques"
        constraints = [
            models.UniqueConstraint(fields=["topic", "partner"], name="topic_partner_unique"),
        ]
        indexes = [models.Index(fields=["operator", "topic"], name="topic_partner_operator")]

    def __str__(self) -> str:
        return f"{self.topic_id} → {self.partner_id}"
