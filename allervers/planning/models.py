import datetime

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from allervers.core.communes import INSEE_CODE_REGEX, validate_insee_code
from allervers.core.tenancy import OperatorOwnedQuerySet

from .enums import CancelReason, DutyRole, SpaceKind, StopEventKind, StopStatus, Weekday

EVENING_START = datetime.time(17, 0)


class VehicleQuerySet(OperatorOwnedQuerySet):
    def active(self):
        return self.filter(is_archived=False)


class Vehicle(models.Model):
    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.CASCADE, related_name="vehicles"
    )
    name = models.CharField("nom", max_length=200)
    wheelchair_accessible = models.BooleanField("accessible en fauteuil roulant", default=False)
    accessibility_notes = models.TextField(
        "accessibilité",
        blank=True,
        help_text="Montré sur la page publique : rampe, élévateur, boucle magnétique…",
    )
    equipment = models.TextField("équipements", blank=True)
    is_archived = models.BooleanField("archivé", default=False)

    objects = VehicleQuerySet.as_manager()

    class Meta:
        verbose_name = "véhicule"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "name"], name="vehicle_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Space(models.Model):
    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="spaces")
    kind = models.CharField("type", max_length=20, choices=SpaceKind.choices)
    name = models.CharField("nom", max_length=100)
    capacity = models.PositiveSmallIntegerField("places")

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "espace"
        ordering = ["vehicle", "kind"]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="space_capacity_positive"),
            models.UniqueConstraint(
                fields=["operator", "vehicle", "kind"], name="space_unique_kind_per_vehicle"
            ),
            models.UniqueConstraint(fields=["operator", "name"], name="space_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.capacity} places)"


class SiteQuerySet(OperatorOwnedQuerySet):
    def active(self):
        return self.filter(is_archived=False)


class Site(models.Model):
    """A place where the vehicle parks."""

    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField("nom", max_length=200)
    slug = models.SlugField("identifiant d'adresse", max_length=80)
    address = models.CharField("adresse", max_length=300)
    postcode = models.CharField("code postal", max_length=10, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    insee_code = models.CharField(
        "code INSEE",
        max_length=5,
        blank=True,
        validators=[validate_insee_code],
        help_text="Le code officiel de la commune : 5 caractères, par exemple 62083 pour Barlin "
        "(ce n'est pas le code postal). "
        "Vide : celui de la structure, dans ses réglages. Il sert aux données ouvertes.",
    )
    latitude = models.DecimalField(
        "latitude", max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        "longitude", max_digits=9, decimal_places=6, null=True, blank=True
    )
    parking_notes = models.TextField("stationnement", blank=True)
    power_notes = models.TextField("raccordement électrique", blank=True)
    accessibility_notes = models.TextField("accessibilité", blank=True)
    access_notes = models.TextField("comment venir", blank=True)
    is_archived = models.BooleanField("archivé", default=False)

    objects = SiteQuerySet.as_manager()

    class Meta:
        verbose_name = "lieu de stationnement"
        verbose_name_plural = "lieux de stationnement"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["operator", "slug"], name="site_unique_slug"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="site_latitude_range",
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="site_longitude_range",
            ),
            models.CheckConstraint(
                condition=Q(insee_code="") | Q(insee_code__regex=INSEE_CODE_REGEX),
                name="site_insee_code_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def full_address(self) -> str:
        return ", ".join(
            part for part in [self.address, f"{self.postcode} {self.city}".strip()] if part
        )

    @property
    def openstreetmap_url(self) -> str:
        if self.latitude is None or self.longitude is None:
            return ""
        return (
            f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
            f"#map=18/{self.latitude}/{self.longitude}"
        )


class SchedulePattern(models.Model):
    """A recurring weekly rule that generates stops over a date range."""

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    label = models.CharField("nom", max_length=200, blank=True)
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, verbose_name="véhicule")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, verbose_name="lieu")
    weekday = models.PositiveSmallIntegerField("jour", choices=Weekday.choices)
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    valid_from = models.DateField("du")
    valid_until = models.DateField("au")
    skip_school_holidays = models.BooleanField("sauf vacances scolaires", default=False)
    school_zone = models.CharField("zone de vacances scolaires", max_length=1, default="B")

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "planning type"
        verbose_name_plural = "plannings types"
        ordering = ["valid_from", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="pattern_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")), name="pattern_range_ordered"
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="pattern_weekday_range"
            ),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.get_weekday_display()} {self.start_time:%H:%M} — {self.site}"


class StopQuerySet(OperatorOwnedQuerySet):
    def held(self):
        return self.filter(status=StopStatus.HELD)

    def cancelled(self):
        return self.filter(status=StopStatus.CANCELLED)

    def upcoming(self, today: datetime.date):
        return self.filter(date__gte=today).order_by("date", "start_time")

    def between(self, start: datetime.date, end: datetime.date):
        return self.filter(date__gte=start, date__lte=end)

    def overlapping(
        self,
        *,
        vehicle_id: int,
        date: datetime.date,
        start_time: datetime.time,
        end_time: datetime.time,
        exclude_id: int | None = None,
    ):
        """Held stops of the vehicle that share a moment with the given slot (as the trigger
        of migration 0002 sees them: back to back is fine)."""
        queryset = self.held().filter(
            vehicle_id=vehicle_id, date=date, start_time__lt=end_time, end_time__gt=start_time
        )
        if exclude_id is not None:
            queryset = queryset.exclude(pk=exclude_id)
        return queryset.select_related("site")

    def for_partner(self, partner_id: int):
        return self.filter(presences__partner_id=partner_id)

    def with_links(self):
        """Annotate `linked_<name>` for every table that points at a stop: presences, staff,
        history, and the other apps' rows (visits, cyber@atelier use, later bookings). Found
        through the reverse relations, so the planning imports none of those apps."""
        return self.annotate(
            **{
                f"linked_{name}": Exists(
                    relation.related_model._base_manager.filter(
                        **{relation.field.name: OuterRef("pk")},
                        **({"rota_line__isnull": True} if name in ROTA_MADE_LINKS else {}),
                    )
                )
                for name, relation in stop_links()
            }
        )

    def untouched(self):
        """Held stops as generation made them: never edited, moved or cancelled, and nothing
        attached to them. Only these may be deleted with their pattern."""
        return (
            self.with_links()
            .held()
            .filter(
                is_edited=False,
                moved_at__isnull=True,
                **{f"linked_{name}": False for name, _ in stop_links()},
            )
        )

    def with_details(self):
        return self.select_related("site", "vehicle").prefetch_related(
            models.Prefetch(
                "presences",
                queryset=PartnerPresence.objects.select_related("partner").order_by(
                    "partner__name"
                ),
            ),
            models.Prefetch(
                "staff_assignments",
                queryset=StaffAssignment.objects.select_related("user").order_by("duty_role"),
            ),
        )


# Rows a pattern's rota makes on its stops: only those set by hand count as a link (a stop that
# carries just its pattern's rota is still as generation made it). A rota absence goes with its
# stop: it only says « not this day » to the rota.
ROTA_MADE_LINKS = {"presences", "staff_assignments"}
ROTA_ONLY_LINKS = {"rota_absences"}


def stop_links() -> list[tuple[str, models.ForeignObjectRel]]:
    """The reverse relations of `Stop` (accessor name, relation), in a stable order."""
    return sorted(
        (
            (relation.get_accessor_name(), relation)
            for relation in Stop._meta.related_objects
            if relation.field.concrete and relation.get_accessor_name() not in ROTA_ONLY_LINKS
        ),
        key=lambda item: item[0],
    )


class Stop(models.Model):
    """The vehicle at a site, on a date, from a time to a time."""

    operator = models.ForeignKey(
        "operators.Operator", on_delete=models.CASCADE, related_name="stops"
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="stops")
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="stops", verbose_name="lieu"
    )
    date = models.DateField("date")
    start_time = models.TimeField("début")
    end_time = models.TimeField("fin")
    title = models.CharField(
        "intitulé", max_length=200, blank=True, help_text="Par exemple : Festival Barlin Extrem."
    )
    pattern = models.ForeignKey(
        SchedulePattern, on_delete=models.SET_NULL, null=True, blank=True, related_name="stops"
    )
    pattern_date = models.DateField(null=True, blank=True, editable=False)
    is_edited = models.BooleanField(default=False, editable=False)
    status = models.CharField(
        "statut", max_length=20, choices=StopStatus.choices, default=StopStatus.HELD
    )
    cancel_reason = models.CharField(
        "motif d'annulation", max_length=20, choices=CancelReason.choices, blank=True
    )
    cancel_note = models.CharField("précision", max_length=300, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The last move (other site, date or hours), kept so that the home page can tell people.
    moved_at = models.DateTimeField(null=True, blank=True, editable=False)
    moved_from = models.CharField("avant le changement", max_length=300, blank=True)
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Incremented by each change of the stop (move, edit, cancel, restore), with who made it:
    # a form carries the version it showed, and a stale one is refused (`core/versions.py`).
    version = models.PositiveIntegerField(default=0, editable=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StopQuerySet.as_manager()

    class Meta:
        verbose_name = "permanence du bus"
        verbose_name_plural = "permanences du bus"
        ordering = ["date", "start_time"]
        indexes = [models.Index(fields=["operator", "date"], name="stop_operator_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="stop_end_after_start"
            ),
            models.CheckConstraint(
                condition=(Q(status=StopStatus.CANCELLED) & ~Q(cancel_reason=""))
                | (Q(status=StopStatus.HELD) & Q(cancel_reason="")),
                name="stop_cancel_reason_iff_cancelled",
            ),
            models.UniqueConstraint(
                fields=["pattern", "pattern_date"], name="stop_one_per_pattern_occurrence"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.start_time:%H:%M}–{self.end_time:%H:%M} — {self.site}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == StopStatus.CANCELLED

    @property
    def is_evening(self) -> bool:
        return self.start_time >= EVENING_START

    @property
    def slot_label(self) -> str:
        """The stop in words, as an e-mail or a notice says it."""
        return (
            f"{self.date:%d/%m/%Y} de {self.start_time:%H:%M} à {self.end_time:%H:%M}, "
            f"{self.site.name}"
        )


class StopEventQuerySet(OperatorOwnedQuerySet):
    def restored(self):
        return self.filter(kind=StopEventKind.RESTORED)


class StopEvent(models.Model):
    """One change of a stop — cancelled, restored, moved — with who, when and why.

    The stop's own fields say what it is now (the current cancellation, the last move); its
    events say what happened to it, in order, so that nothing is lost when a cancelled stop is
    restored. A separate table rather than more columns on `Stop`: adding columns there makes
    SQLite rebuild `planning_stop` and drop its overlap triggers."""

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("changement", max_length=20, choices=StopEventKind.choices)
    at = models.DateTimeField("le", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    cancel_reason = models.CharField(
        "motif d'annulation", max_length=20, choices=CancelReason.choices, blank=True
    )
    note = models.CharField("précision", max_length=300, blank=True)
    previous = models.CharField("avant le changement", max_length=300, blank=True)
    # A move's slot before it, as data (`previous` says it in words): the public outputs say
    # "déplacée" at the old place and give the previous start (schema.org `previousStartDate`).
    previous_site = models.ForeignKey(
        Site, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous_date = models.DateField(null=True, blank=True)
    previous_start_time = models.TimeField(null=True, blank=True)
    previous_end_time = models.TimeField(null=True, blank=True)
    # The partners present that could not be told (no address), written when the change is
    # recorded: "Name — phone", one a line. The stop's page lists them to the coordinator.
    not_told = models.TextField("partenaires non prévenus", blank=True)

    objects = StopEventQuerySet.as_manager()

    class Meta:
        verbose_name = "changement d'une permanence"
        verbose_name_plural = "changements des permanences"
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["operator", "kind", "at"], name="stopevent_operator_kind")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=StopEventKind.CANCELLED) & ~Q(cancel_reason=""))
                | (~Q(kind=StopEventKind.CANCELLED) & Q(cancel_reason="")),
                name="stopevent_cancel_reason_iff_cancelled",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} le {self.at:%d/%m/%Y} — {self.stop}"

    @property
    def not_told_lines(self) -> list[str]:
        return [line for line in self.not_told.splitlines() if line]


class PartnerPresence(models.Model):
    """A partner present at a stop, optionally for part of it."""

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="presences")
    partner = models.ForeignKey(
        "partners.Partner", on_delete=models.PROTECT, related_name="presences"
    )
    start_time = models.TimeField("de", null=True, blank=True)
    end_time = models.TimeField("à", null=True, blank=True)
    # Set when the pattern's rota made it; empty when it was set on the stop by hand.
    rota_line = models.ForeignKey(
        "RotaLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="presences"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "permanence d'un partenaire"
        verbose_name_plural = "permanences des partenaires"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "stop", "partner"], name="presence_one_per_partner_and_stop"
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gt=F("start_time")),
                name="presence_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} — {self.stop}"


class StaffAssignment(models.Model):
    """An agent on duty at a stop."""

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="staff_assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    duty_role = models.CharField("mission", max_length=20, choices=DutyRole.choices)
    # Set when the pattern's rota made it; empty when it was set on the stop by hand.
    rota_line = models.ForeignKey(
        "RotaLine", on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "agent de permanence"
        verbose_name_plural = "agents de permanence"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "stop", "user"], name="staff_one_per_user_and_stop"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.stop}"


class RotaLineQuerySet(OperatorOwnedQuerySet):
    def approved(self):
        return self.filter(approved=True)

    def awaiting_approval(self):
        """Partners' own declarations the coordinator has not accepted yet, oldest first."""
        return self.filter(approved=False).select_related("partner", "pattern").order_by("pk")

    def partners(self):
        return self.filter(partner__isnull=False)

    def agents(self):
        return self.filter(user__isnull=False)

    def with_people(self):
        return self.select_related("partner", "user").order_by("partner__name", "duty_role", "pk")


class RotaLine(models.Model):
    """Who comes with a weekly pattern: one partner (with its hours within the stop's, and
    whether it takes appointments) or one agent on duty (with the mission). Applying the
    pattern's rota gives each of its future stops these people (`rota_apply`)."""

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    pattern = models.ForeignKey(
        SchedulePattern, on_delete=models.CASCADE, related_name="rota_lines"
    )
    partner = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rota_lines",
        verbose_name="partenaire",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="agent",
    )
    duty_role = models.CharField("mission", max_length=20, choices=DutyRole.choices, blank=True)
    start_time = models.TimeField("de", null=True, blank=True)
    end_time = models.TimeField("à", null=True, blank=True)
    with_appointments = models.BooleanField("reçoit sur rendez-vous", default=False)
    # False while a partner's own declaration awaits the coordinator's approval: not applied.
    approved = models.BooleanField("accepté", default=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = RotaLineQuerySet.as_manager()

    class Meta:
        verbose_name = "ligne de l'équipe d'un rythme"
        verbose_name_plural = "lignes de l'équipe des rythmes"
        indexes = [models.Index(fields=["operator", "pattern"], name="rotaline_operator_pattern")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(partner__isnull=False, user__isnull=True, duty_role="")
                    | Q(partner__isnull=True, user__isnull=False, with_appointments=False)
                    & ~Q(duty_role="")
                ),
                name="rotaline_partner_xor_agent",
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(end_time__gt=F("start_time")),
                name="rotaline_end_after_start",
            ),
            models.UniqueConstraint(
                fields=["operator", "pattern", "partner"],
                condition=Q(partner__isnull=False),
                name="rotaline_one_per_partner",
            ),
            models.UniqueConstraint(
                fields=["operator", "pattern", "user"],
                condition=Q(user__isnull=False),
                name="rotaline_one_per_agent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.who} — {self.pattern}"

    @property
    def who(self) -> str:
        if self.partner_id:
            return self.partner.name
        return self.user.get_full_name() or self.user.email

    @property
    def hours_label(self) -> str:
        if self.start_time or self.end_time:
            start = self.start_time or self.pattern.start_time
            end = self.end_time or self.pattern.end_time
            return f"de {start:%H:%M} à {end:%H:%M}"
        return "toute la permanence"


class RotaAbsence(models.Model):
    """« Absent ce jour-là »: a person of the pattern's rota removed from one stop by hand.
    Applying the rota again never puts them back on that stop."""

    operator = models.ForeignKey("operators.Operator", on_delete=models.CASCADE)
    stop = models.ForeignKey(Stop, on_delete=models.CASCADE, related_name="rota_absences")
    line = models.ForeignKey(RotaLine, on_delete=models.CASCADE, related_name="absences")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OperatorOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = "absence prévue sur une permanence"
        verbose_name_plural = "absences prévues sur les permanences"
        constraints = [
            models.UniqueConstraint(
                fields=["operator", "stop", "line"], name="rotaabsence_one_per_stop_and_line"
            )
        ]

    def __str__(self) -> str:
        return f"{self.line.who} absent — {self.stop}"
