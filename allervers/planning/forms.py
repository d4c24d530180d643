"""Forms of the planning: they validate and speak French; services do the writing."""

import datetime
import re

from django import forms

from allervers.core.communes import InseeCodeField
from allervers.core.roles import Role
from allervers.core.versions import VersionedForm
from allervers.operators.enums import SchoolZone
from allervers.operators.models import Membership
from allervers.partners.models import Partner

from .enums import CancelReason, DutyRole, SpaceKind
from .models import RotaLine, SchedulePattern, Site, Stop, Vehicle
from .services import END_BEFORE_START_MESSAGE, MAX_SPACE_CAPACITY, SpaceSpec, overlap_message

MAX_PATTERN_DAYS = 2 * 366
ARCHIVED_VEHICLE_CHOICE = (
    "Choisissez un véhicule en service (les véhicules archivés ne sont plus proposés)."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


def _check_hours(form: forms.Form, start_field: str = "start_time", end_field: str = "end_time"):
    start, end = form.cleaned_data.get(start_field), form.cleaned_data.get(end_field)
    if start and end and end <= start:
        form.add_error(end_field, END_BEFORE_START_MESSAGE)


class SiteForm(forms.ModelForm):
    latitude = forms.DecimalField(
        label="Latitude",
        required=False,
        min_value=-90,
        max_value=90,
        max_digits=9,
        decimal_places=6,
        help_text="En degrés décimaux, par exemple 50,458900.",
        localize=True,
    )
    longitude = forms.DecimalField(
        label="Longitude",
        required=False,
        min_value=-180,
        max_value=180,
        max_digits=9,
        decimal_places=6,
        help_text="En degrés décimaux, par exemple 2,613500.",
        localize=True,
    )

    class Meta:
        model = Site
        fields = [
            "name",
            "address",
            "postcode",
            "city",
            "insee_code",
            "latitude",
            "longitude",
            "parking_notes",
            "power_notes",
            "accessibility_notes",
            "access_notes",
        ]
        widgets = {
            field: forms.Textarea(attrs={"rows": 3})
            for field in ["parking_notes", "power_notes", "accessibility_notes", "access_notes"]
        }
        field_classes = {"insee_code": InseeCodeField}

    def clean(self):
        cleaned = super().clean()
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if (latitude is None) != (longitude is None) and not self.errors:
            self.add_error(
                "longitude" if longitude is None else "latitude",
                "Indiquez la latitude et la longitude, ou aucune des deux.",
            )
        return cleaned


class PatternForm(forms.ModelForm):
    school_zone = forms.ChoiceField(
        label="Zone de vacances scolaires",
        choices=SchoolZone.choices,
        help_text="Par défaut, celle des réglages de la structure.",
    )

    class Meta:
        model = SchedulePattern
        fields = [
            "label",
            "vehicle",
            "site",
            "weekday",
            "start_time",
            "end_time",
            "valid_from",
            "valid_until",
            "skip_school_holidays",
            "school_zone",
        ]
        labels = {
            "label": "Nom du rythme",
            "vehicle": "Véhicule",
            "site": "Lieu",
            "weekday": "Jour de la semaine",
            "start_time": "Heure de début",
            "end_time": "Heure de fin",
            "valid_from": "Premier jour de la période",
            "valid_until": "Dernier jour de la période",
            "skip_school_holidays": "Ne pas venir pendant les vacances scolaires",
        }
        help_texts = {
            "label": "Par exemple : Année scolaire — Place du Regain.",
            "valid_from": "Par exemple le jour de la rentrée, ou le 1er juillet pour l'été.",
        }
        widgets = {
            "start_time": TimeInput(),
            "end_time": TimeInput(),
            "valid_from": DateInput(),
            "valid_until": DateInput(),
        }

    def __init__(self, *args, operator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = Vehicle.objects.for_operator(operator).active()
        self.fields["vehicle"].empty_label = None
        self.fields["vehicle"].error_messages["invalid_choice"] = ARCHIVED_VEHICLE_CHOICE
        self.fields["site"].queryset = Site.objects.for_operator(operator).active()
        self.fields["site"].error_messages["invalid_choice"] = (
            "Choisissez un lieu en service (les lieux archivés ne sont plus proposés)."
        )

    def clean(self):
        cleaned = super().clean()
        _check_hours(self)
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end:
            if end < start:
                self.add_error(
                    "valid_until", "Le dernier jour doit être après le premier jour de la période."
                )
            elif (end - start).days > MAX_PATTERN_DAYS:
                self.add_error("valid_until", "Une période ne peut pas dépasser deux ans.")
        return cleaned


class StopForm(VersionedForm):
    """A one-off stop, or the new site, date and hours of a stop that moves (with the stop's
    version it shows: a move from a stale page is refused)."""

    vehicle = forms.ModelChoiceField(label="Véhicule", queryset=Vehicle.objects.none())
    site = forms.ModelChoiceField(
        label="Lieu",
        queryset=Site.objects.none(),
        error_messages={
            "invalid_choice": "Choisissez un lieu en service (les lieux archivés ne sont plus "
            "proposés)."
        },
    )
    date = forms.DateField(label="Date", widget=DateInput())
    start_time = forms.TimeField(label="Heure de début", widget=TimeInput())
    end_time = forms.TimeField(label="Heure de fin", widget=TimeInput())
    title = forms.CharField(
        label="Intitulé (facultatif)",
        max_length=200,
        required=False,
        help_text="Par exemple : Soirée de 17 h à 20 h, Festival Barlin Extrem.",
    )

    def __init__(self, *args, operator, stop: Stop | None = None, **kwargs):
        if stop is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "vehicle": stop.vehicle_id,
                "site": stop.site_id,
                "date": stop.date,
                "start_time": stop.start_time,
                "end_time": stop.end_time,
                "title": stop.title,
            }
        super().__init__(*args, **kwargs)
        self.stop = stop
        self.fields["vehicle"].queryset = Vehicle.objects.for_operator(operator).active()
        self.fields["vehicle"].empty_label = None
        self.fields["vehicle"].error_messages["invalid_choice"] = ARCHIVED_VEHICLE_CHOICE
        if stop is not None:  # a move keeps the vehicle
            del self.fields["vehicle"]
            self.show_version(stop.version)
        else:
            del self.fields["version"]
        self.fields["site"].queryset = Site.objects.for_operator(operator).active()

    def clean(self):
        cleaned = super().clean()
        _check_hours(self)
        if self.errors:
            return cleaned
        vehicle_id = self.stop.vehicle_id if self.stop else cleaned["vehicle"].pk
        other = (
            Stop.objects.overlapping(
                vehicle_id=vehicle_id,
                date=cleaned["date"],
                start_time=cleaned["start_time"],
                end_time=cleaned["end_time"],
                exclude_id=self.stop.pk if self.stop else None,
            )
            .order_by("start_time")
            .first()
        )
        if other is not None:
            raise forms.ValidationError(overlap_message(other), code="overlap")
        return cleaned


class RotaPartnerForm(forms.ModelForm):
    """A partner on a pattern's rota: its hours within the pattern's, appointments or not."""

    class Meta:
        model = RotaLine
        fields = ["partner", "start_time", "end_time", "with_appointments"]
        labels = {
            "partner": "Partenaire",
            "start_time": "Arrivée (facultatif)",
            "end_time": "Départ (facultatif)",
            "with_appointments": "Reçoit sur rendez-vous (les rendez-vous s'ouvrent sur chaque "
            "permanence, avec sa durée habituelle)",
        }
        help_texts = {"start_time": "Laissez vide si le partenaire est là toute la permanence."}
        widgets = {"start_time": TimeInput(), "end_time": TimeInput()}

    def __init__(self, *args, pattern: SchedulePattern, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern
        self.fields["partner"].required = True
        self.fields["partner"].empty_label = None
        partners = Partner.objects.for_operator(pattern.operator_id).active()
        if self.instance.pk:
            partners = Partner.objects.filter(pk=self.instance.partner_id)
        else:
            partners = partners.exclude(rota_lines__pattern=pattern)
        self.fields["partner"].queryset = partners.order_by("name")

    def clean(self):
        cleaned = super().clean()
        _check_within_pattern(self)
        return cleaned


def _check_within_pattern(form) -> None:
    """Hours in order and within the pattern's (a rota line's, a partner's declaration)."""
    _check_hours(form)
    pattern = form.pattern
    for name in ("start_time", "end_time"):
        moment = form.cleaned_data.get(name)
        if moment and not (pattern.start_time <= moment <= pattern.end_time):
            form.add_error(
                name,
                f"Choisissez une heure entre {pattern.start_time:%H:%M} et "
                f"{pattern.end_time:%H:%M}, celles du rythme.",
            )


class RotaAgentForm(forms.ModelForm):
    """An agent on duty with a pattern, and the mission."""

    class Meta:
        model = RotaLine
        fields = ["user", "duty_role"]
        labels = {"user": "Agent", "duty_role": "Mission"}
        widgets = {"duty_role": forms.RadioSelect}

    def __init__(self, *args, pattern: SchedulePattern, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern
        field = self.fields["user"]
        field.required = True
        field.empty_label = None
        members = Membership.objects.filter(
            operator_id=pattern.operator_id,
            is_active=True,
            role__in=[Role.AGENT, Role.COORDINATOR],
        )
        users = field.queryset.filter(pk__in=members.values("user_id"))
        if self.instance.pk:
            users = users.filter(pk=self.instance.user_id)
        else:
            users = users.exclude(pk__in=pattern.rota_lines.agents().values("user_id"))
        field.queryset = users.order_by("last_name", "first_name")
        field.label_from_instance = lambda user: user.get_full_name() or user.email
        self.fields["duty_role"].required = True
        self.fields["duty_role"].choices = DutyRole.choices


class RotaDeclareForm(forms.Form):
    """A partner's weekly presence with a pattern: its hours within the pattern's."""

    start_time = forms.TimeField(
        label="Arrivée (facultatif)",
        required=False,
        widget=TimeInput(),
        help_text="Laissez vide si vous êtes là toute la permanence.",
    )
    end_time = forms.TimeField(label="Départ (facultatif)", required=False, widget=TimeInput())

    def __init__(self, *args, pattern: SchedulePattern, **kwargs):
        super().__init__(*args, **kwargs)
        self.pattern = pattern

    def clean(self):
        cleaned = super().clean()
        _check_within_pattern(self)
        return cleaned


class PatternCopyForm(forms.Form):
    """A period's patterns and teams, copied to the next period."""

    source_from = forms.DateField(label="Copier les rythmes du", widget=DateInput())
    source_until = forms.DateField(label="au", widget=DateInput())
    target_from = forms.DateField(label="Vers la période du", widget=DateInput())
    target_until = forms.DateField(label="au (nouvelle période)", widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        dates = [cleaned.get(name) for name in self.fields]
        if all(dates):
            source_from, source_until, target_from, target_until = dates
            if source_until < source_from or target_until < target_from:
                raise forms.ValidationError("La fin d'une période doit être après son début.")
            if target_from <= source_until:
                raise forms.ValidationError(
                    "La nouvelle période doit commencer après la fin de celle que vous copiez."
                )
            if (target_until - target_from).days > MAX_PATTERN_DAYS:
                raise forms.ValidationError("La nouvelle période ne peut pas dépasser deux ans.")
        return cleaned


class PatternGenerateForm(forms.Form):
    include_past = forms.BooleanField(
        label="Créer aussi les dates passées (pour l'historique)",
        required=False,
        help_text="Attention : une permanence passée compte comme tenue dans le bilan. "
        "À cocher seulement pour saisir après coup des permanences qui ont eu lieu.",
    )


class CancelForm(forms.Form):
    reason = forms.ChoiceField(
        label="Motif de l'annulation",
        choices=CancelReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez un motif d'annulation."},
    )
    note = forms.CharField(
        label="Précision",
        max_length=300,
        required=False,
        help_text="Obligatoire pour « Autre raison ». Elle figure dans le message envoyé et elle "
        "est publiée (page publique, agendas, API) : ni nom ni détail personnel.",
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == CancelReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", "Précisez le motif quand vous choisissez « Autre raison ».")
        return cleaned


class PresenceForm(forms.Form):
    partner = forms.ModelChoiceField(label="Partenaire", queryset=Partner.objects.none())
    start_time = forms.TimeField(
        label="Arrivée (facultatif)",
        required=False,
        widget=TimeInput(),
        help_text="Laissez vide si le partenaire est présent toute la permanence.",
    )
    end_time = forms.TimeField(label="Départ (facultatif)", required=False, widget=TimeInput())

    def __init__(self, *args, operator, stop: Stop, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.stop = stop
        if membership.role == Role.PARTNER:
            # A partner declares for its own organisation only: there is nothing to choose.
            del self.fields["partner"]
            self.own_partner = membership.partner
        else:
            self.own_partner = None
            already = stop.presences.values_list("partner_id", flat=True)
            self.fields["partner"].queryset = (
                Partner.objects.for_operator(operator).active().exclude(pk__in=already)
            )

    def clean(self):
        cleaned = super().clean()
        _check_hours(self)
        for name in ("start_time", "end_time"):
            moment = cleaned.get(name)
            if moment and not (self.stop.start_time <= moment <= self.stop.end_time):
                self.add_error(
                    name,
                    f"Choisissez une heure entre {self.stop.start_time:%H:%M} et "
                    f"{self.stop.end_time:%H:%M}.",
                )
        return cleaned

    def chosen_partner(self) -> Partner:
        return self.own_partner or self.cleaned_data["partner"]


class StaffForm(forms.Form):
    user = forms.ChoiceField(label="Agent")
    duty_role = forms.ChoiceField(
        label="Mission", choices=DutyRole.choices, widget=forms.RadioSelect
    )

    def __init__(self, *args, operator, stop: Stop, **kwargs):
        super().__init__(*args, **kwargs)
        already = set(stop.staff_assignments.values_list("user_id", flat=True))
        members = (
            Membership.objects.filter(
                operator=operator, is_active=True, role__in=[Role.AGENT, Role.COORDINATOR]
            )
            .select_related("user")
            .order_by("user__last_name", "user__first_name")
        )
        self.users = {m.user_id: m.user for m in members if m.user_id not in already}
        self.fields["user"].choices = [
            (pk, user.get_full_name() or user.email) for pk, user in self.users.items()
        ]

    def clean_user(self):
        return self.users[int(self.cleaned_data["user"])]


# Filters of the calendar views (GET) -----------------------------------------------------------

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


class PlanningFilterForm(forms.Form):
    """The period and filters of a calendar view, read from the URL."""

    month = forms.CharField(
        label="Mois", required=False, widget=forms.TextInput(attrs={"type": "month"})
    )
    week = forms.CharField(
        label="Semaine", required=False, widget=forms.TextInput(attrs={"type": "week"})
    )
    site = forms.ModelChoiceField(
        label="Lieu",
        queryset=Site.objects.none(),
        required=False,
        empty_label="Tous les lieux",
        error_messages={"invalid_choice": "Ce lieu n'existe pas : tous les lieux sont affichés."},
    )
    partner = forms.ModelChoiceField(
        label="Partenaire",
        queryset=Partner.objects.none(),
        required=False,
        empty_label="Tous les partenaires",
        error_messages={
            "invalid_choice": "Ce partenaire n'existe pas : tous les partenaires sont affichés."
        },
    )

    def __init__(self, *args, operator, period: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.period = period
        for name in {"month", "week"} - {period}:
            del self.fields[name]
        self.fields["site"].queryset = Site.objects.for_operator(operator)
        self.fields["partner"].queryset = Partner.objects.for_operator(operator)

    def clean_month(self) -> datetime.date | None:
        value = self.cleaned_data["month"].strip()
        if not value:
            return None
        match = MONTH_RE.match(value)
        if match and 1 <= int(match[2]) <= 12 and 1900 < int(match[1]) < 3000:
            return datetime.date(int(match[1]), int(match[2]), 1)
        raise forms.ValidationError(
            "Mois invalide : écrivez-le sous la forme AAAA-MM, par exemple 2025-07."
        )

    def clean_week(self) -> datetime.date | None:
        value = self.cleaned_data["week"].strip()
        if not value:
            return None
        match = WEEK_RE.match(value)
        if match and 1900 < int(match[1]) < 3000:
            try:
                return datetime.date.fromisocalendar(int(match[1]), int(match[2]), 1)
            except ValueError:
                pass
        raise forms.ValidationError(
            "Semaine invalide : écrivez-la sous la forme AAAA-Wss, par exemple 2025-W28."
        )

    def value(self, name: str):
        """The cleaned value, or None when it was missing or wrong (the error is shown)."""
        if not self.is_bound or (not self.is_valid() and name in self.errors):
            return None
        return self.cleaned_data.get(name)

    @property
    def is_filtered(self) -> bool:
        """Whether a site or partner filter is applied (a wrong one is ignored, so it is not)."""
        return self.value("site") is not None or self.value("partner") is not None


SPACE_KINDS_SHOWN = [SpaceKind.OFFICE, SpaceKind.CYBER, SpaceKind.WAITING]
SPACE_EXAMPLES = {SpaceKind.OFFICE: 4, SpaceKind.CYBER: 8, SpaceKind.WAITING: 4}
CAPACITY_MESSAGES = {
    "invalid": "Indiquez un nombre entier de places.",
    "min_value": "Un espace compte au moins 1 place.",
    "max_value": f"Pas plus de {MAX_SPACE_CAPACITY} places : vérifiez le nombre.",
}


class VehicleForm(forms.Form):
    """A vehicle and its spaces, one of each kind (an empty kind is no space)."""

    name = forms.CharField(
        label="Nom du véhicule",
        max_length=200,
        error_messages={"required": "Indiquez le nom du véhicule."},
    )
    wheelchair_accessible = forms.BooleanField(
        label="Accessible en fauteuil roulant (rampe ou élévateur)", required=False
    )
    accessibility_notes = forms.CharField(
        label="Autres aménagements d'accessibilité (page publique)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : élévateur à l'arrière, boucle magnétique, documents en gros "
        "caractères.",
    )
    equipment = forms.CharField(
        label="Équipements",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Par exemple : 8 ordinateurs, imprimante, scanner, wifi.",
    )

    def __init__(self, *args, vehicle: Vehicle | None = None, **kwargs):
        if vehicle is not None and "initial" not in kwargs:
            initial = {
                "name": vehicle.name,
                "wheelchair_accessible": vehicle.wheelchair_accessible,
                "accessibility_notes": vehicle.accessibility_notes,
                "equipment": vehicle.equipment,
            }
            for space in vehicle.spaces.all():
                initial[f"{space.kind}_name"] = space.name
                initial[f"{space.kind}_capacity"] = space.capacity
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for kind in SPACE_KINDS_SHOWN:
            self.fields[f"{kind}_name"] = forms.CharField(
                label=f"{kind.label} : nom", max_length=100, required=False
            )
            self.fields[f"{kind}_capacity"] = forms.IntegerField(
                label=f"{kind.label} : nombre de places",
                required=False,
                min_value=1,
                max_value=MAX_SPACE_CAPACITY,
                error_messages=CAPACITY_MESSAGES,
                help_text=f"Par exemple {SPACE_EXAMPLES[kind]}. Laissez vide s'il n'y en a pas.",
            )

    def clean(self):
        cleaned = super().clean()
        for kind in SPACE_KINDS_SHOWN:
            name, capacity = cleaned.get(f"{kind}_name", ""), cleaned.get(f"{kind}_capacity")
            if f"{kind}_capacity" in self.errors:
                continue
            if name and capacity is None:
                self.add_error(f"{kind}_capacity", "Indiquez le nombre de places de cet espace.")
            elif capacity is not None and not name:
                self.add_error(f"{kind}_name", "Donnez un nom à cet espace.")
        return cleaned

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "wheelchair_accessible": data["wheelchair_accessible"],
            "accessibility_notes": data["accessibility_notes"],
            "equipment": data["equipment"],
            "spaces": [
                SpaceSpec(kind=kind, name=data[f"{kind}_name"], capacity=data[f"{kind}_capacity"])
                for kind in SPACE_KINDS_SHOWN
            ],
        }
