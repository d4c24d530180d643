"""The forms of the appointments' back office. They check the shape of the input; the services
(`services.py`) refuse what does not fit (places, hours, times) with French messages."""

import datetime

from django import forms
from django.utils import timezone

from allervers.core.fields import ModelChoiceField, id_from
from allervers.core.person_names import PersonNameField
from allervers.planning.forms import DateInput, TimeInput
from allervers.reception.models import Topic

from .enums import APPOINTMENT_ATTENDANCE, AppointmentStatus
from .phones import normalise_phone
from .services.appointments import MAX_DEFAULT_DESKS
from .services.contacts import PERSON_WITHOUT_CONSENT

TEAM = "equipe"
ATTENDANCE_LABELS = {
    AppointmentStatus.HONOURED: "Venu(e) : le rendez-vous a eu lieu",
    AppointmentStatus.EXCUSED: "Excusé(e) : a prévenu de son absence",
    AppointmentStatus.NO_SHOW: "Absent(e) sans prévenir",
}
NEW_VISIT = "nouvelle"


def _minutes_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="Durée d'un rendez-vous (minutes)",
        min_value=5,
        max_value=240,
        error_messages={
            "required": "Indiquez la durée d'un rendez-vous.",
            "invalid": "Indiquez un nombre de minutes.",
            "min_value": "La durée d'un rendez-vous va de 5 à 240 minutes.",
            "max_value": "La durée d'un rendez-vous va de 5 à 240 minutes.",
        },
    )


def _desks_field(help_text: str) -> forms.IntegerField:
    return forms.IntegerField(
        label="Rendez-vous en même temps",
        help_text=help_text,
        min_value=1,
        max_value=MAX_DEFAULT_DESKS,
        error_messages={
            "required": "Indiquez combien de rendez-vous en même temps.",
            "invalid": "Indiquez un nombre.",
            "min_value": "Au moins un rendez-vous à la fois.",
            "max_value": f"Au plus {MAX_DEFAULT_DESKS} rendez-vous en même temps.",
        },
    )


class DayForm(forms.Form):
    """The list's one day (empty: every coming day, or every past one)."""

    jour = forms.DateField(
        label="Jour",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "Date invalide : choisissez un jour."},
    )


class DefaultsForm(forms.Form):
    slot_minutes = _minutes_field()
    desks = _desks_field("Le nombre de personnes qui reçoivent en même temps.")


class OpeningForm(forms.Form):
    """Hours, length and desks of an opening; `who` (a partner present, or the bus team) when
    opening, for the coordinator."""

    who = forms.ChoiceField(
        label="Rendez-vous avec",
        error_messages={
            "required": "Choisissez avec qui sont les rendez-vous.",
            "invalid_choice": "Choisissez dans la liste.",
        },
    )
    start_time = forms.TimeField(
        label="Premier rendez-vous à",
        widget=TimeInput(),
        error_messages={"required": "Indiquez l'heure.", "invalid": "Heure invalide (HH:MM)."},
    )
    end_time = forms.TimeField(
        label="Fin des rendez-vous à",
        widget=TimeInput(),
        error_messages={"required": "Indiquez l'heure.", "invalid": "Heure invalide (HH:MM)."},
    )
    slot_minutes = _minutes_field()
    desks = _desks_field("Le nombre de personnes qui reçoivent en même temps.")
    public_booking = forms.BooleanField(
        label="Les habitants peuvent réserver en ligne", required=False
    )

    def __init__(self, data=None, *, who_choices=None, **kwargs):
        super().__init__(data, **kwargs)
        if who_choices is None:
            del self.fields["who"]
        else:
            self.fields["who"].choices = who_choices


class PersonField(ModelChoiceField):
    def label_from_instance(self, person) -> str:
        return person.full_name


class BookingForm(forms.Form):
    """Book a slot for someone: a followed person (found by name, consent in force) or a first
    name with a phone or an e-mail."""

    start_time = forms.TypedChoiceField(
        label="Créneau",
        coerce=datetime.time.fromisoformat,
        error_messages={
            "required": "Choisissez un créneau.",
            "invalid_choice": "Ce créneau n'est plus libre. Choisissez-en un autre.",
        },
    )
    topic = ModelChoiceField(
        label="Pour quoi (facultatif)",
        queryset=Topic.objects.none(),
        required=False,
        empty_label="—",
        error_messages={"invalid_choice": "Thématique inconnue."},
    )
    person = PersonField(
        label="Personne suivie",
        queryset=None,
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": PERSON_WITHOUT_CONSENT},
    )
    first_name = PersonNameField(label="Prénom", required=False)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    email = forms.EmailField(
        label="Adresse électronique",
        required=False,
        error_messages={"invalid": "Adresse électronique invalide."},
    )
    contact_consent = forms.BooleanField(
        label="La personne accepte d'être contactée pour ce rendez-vous (confirmation, rappel)",
        help_text="Demandez-lui avant de cocher.",
        required=False,
    )

    def __init__(self, data=None, *, slots, topics, people, shown_people=(), **kwargs):
        super().__init__(data, **kwargs)
        self.fields["start_time"].choices = [("", "—")] + [
            (slot.start_time.isoformat("minutes"), _slot_label(slot)) for slot in slots
        ]
        self.fields["topic"].queryset = topics
        shown = [person.pk for person in shown_people]
        posted = (data or {}).get("person", "")
        if id_from(posted):
            shown.append(id_from(posted))
        self.fields["person"].queryset = people.filter(pk__in=shown)

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        return normalise_phone(phone) if phone else ""


def _slot_label(slot) -> str:
    free = f"{slot.free} place{'s' if slot.free > 1 else ''}"
    return f"{slot.start_time:%H:%M}–{slot.end_time:%H:%M} ({free})"


class MoveForm(forms.Form):
    target = forms.ChoiceField(
        label="Nouveau créneau",
        error_messages={
            "required": "Choisissez un créneau.",
            "invalid_choice": "Ce créneau n'est plus libre. Choisissez-en un autre.",
        },
    )

    def __init__(self, data=None, *, targets, **kwargs):
        super().__init__(data, **kwargs)
        self.targets = {f"{o.pk}-{s.start_time:%H%M}": (o, s) for o, s in targets}
        self.fields["target"].choices = [("", "—")] + [
            (key, f"{o.stop.date:%d/%m/%Y} {o.stop.site.name} — {_slot_label(s)}")
            for key, (o, s) in self.targets.items()
        ]

    def clean_target(self):
        return self.targets[self.cleaned_data["target"]]


class AttendanceForm(forms.Form):
    status = forms.ChoiceField(
        label="La personne est-elle venue ?",
        choices=[(status.value, ATTENDANCE_LABELS[status]) for status in APPOINTMENT_ATTENDANCE],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez : venu(e), excusé(e) ou absent(e).",
            "invalid_choice": "Choisissez : venu(e), excusé(e) ou absent(e).",
        },
    )
    visit = forms.ChoiceField(
        label="Sa visite",
        help_text="Si un agent a déjà enregistré sa visite, choisissez-la : elle ne sera "
        "pas comptée deux fois.",
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Cette visite n'est pas de cette permanence."},
    )
    shown_status = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, data=None, *, visits, named: bool, **kwargs):
        super().__init__(data, **kwargs)
        self.visits = {str(visit.pk): visit for visit in visits}
        self.fields["visit"].choices = [(NEW_VISIT, "Créer sa visite « sur rendez-vous »")] + [
            (key, _visit_label(visit, named)) for key, visit in self.visits.items()
        ]
        if not self.visits:
            del self.fields["visit"]

    def clean_visit(self):
        return self.visits.get(self.cleaned_data.get("visit") or "")


def _visit_label(visit, named: bool) -> str:
    """A visit to choose; the person's name only for the operator's staff (`named`)."""
    arrived = f"Visite arrivée à {timezone.localtime(visit.arrived_at):%H:%M}"
    if visit.person_id is None:
        return f"{arrived} (anonyme)"
    return f"{arrived} — {visit.person.full_name}" if named else f"{arrived} (personne suivie)"
