"""Forms of the bookings' back office: they validate and speak French; services do the writing."""

import datetime

from django import forms
from django.utils import timezone

from allervers.core.person_names import PersonNameField
from allervers.planning.enums import DEFAULT_CYBER_CAPACITY
from allervers.planning.forms import TimeInput
from allervers.planning.models import Stop
from allervers.reception.models import Topic

from .enums import Attendance
from .queries import consenting_persons

# The stops offered for a new workshop: held, from today, this far ahead at most.
WORKSHOP_STOP_DAYS = 180
MAX_WORKSHOP_SEATS = 200


class StopChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, stop: Stop) -> str:
        return stop.slot_label


class WorkshopForm(forms.Form):
    """A workshop's title, theme, hours and seats (and its stop, when it is created)."""

    stop = StopChoiceField(
        label="Permanence",
        queryset=Stop.objects.none(),
        empty_label="Choisissez une permanence",
        error_messages={
            "required": "Choisissez la permanence de l'atelier.",
            "invalid_choice": "Choisissez une permanence à venir de la liste.",
        },
    )
    title = forms.CharField(
        label="Intitulé",
        max_length=200,
        error_messages={
            "required": "Indiquez l'intitulé de l'atelier.",
            "max_length": "L'intitulé tient en 200 caractères au plus.",
        },
    )
    topic = forms.ModelChoiceField(
        label="Thématique (facultatif)",
        queryset=Topic.objects.none(),
        required=False,
        empty_label="Aucune",
        error_messages={"invalid_choice": "Choisissez une thématique de la liste."},
    )
    description = forms.CharField(
        label="Présentation (facultatif)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "La présentation tient en 2 000 caractères au plus."},
    )
    start_time = forms.TimeField(
        label="Heure de début",
        widget=TimeInput(),
        error_messages={"required": "Indiquez l'heure de début.", "invalid": "Heure invalide."},
    )
    end_time = forms.TimeField(
        label="Heure de fin",
        widget=TimeInput(),
        error_messages={"required": "Indiquez l'heure de fin.", "invalid": "Heure invalide."},
    )
    capacity = forms.IntegerField(
        label="Places",
        required=False,
        min_value=1,
        max_value=MAX_WORKSHOP_SEATS,
        error_messages={
            "invalid": "Indiquez un nombre de places.",
            "min_value": "Un atelier a au moins une place.",
            "max_value": f"Un atelier a au plus {MAX_WORKSHOP_SEATS} places.",
        },
    )
    public_registration = forms.BooleanField(
        label="Les habitants peuvent s'inscrire en ligne",
        required=False,
        initial=True,
    )

    def __init__(self, *args, operator, workshop=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = Topic.objects.for_operator(operator).active()
        if workshop is not None:
            # The stop of a workshop does not change: cancel it and create another.
            del self.fields["stop"]
            self.fields["capacity"].required = True
            self.fields["capacity"].error_messages["required"] = "Indiquez le nombre de places."
        else:
            today = timezone.localdate()
            self.fields["stop"].queryset = (
                Stop.objects.for_operator(operator)
                .held()
                .between(today, today + datetime.timedelta(days=WORKSHOP_STOP_DAYS))
                .select_related("site")
                .order_by("date", "start_time")
            )
            self.fields["capacity"].help_text = (
                "Laissez vide pour prendre les places du cyber@atelier du véhicule "
                f"({DEFAULT_CYBER_CAPACITY} s'il n'en a pas)."
            )

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "L'heure de fin doit être après l'heure de début.")
        return data


class ContactRegistrationForm(forms.Form):
    """Someone on the phone or at the bus door, without a followed person's record."""

    first_name = PersonNameField(
        label="Prénom",
        error_messages={"required": "Indiquez au moins le prénom de la personne."},
    )
    phone = forms.CharField(label="Téléphone (facultatif)", max_length=30, required=False)
    email = forms.EmailField(
        label="Adresse électronique (facultatif)",
        required=False,
        error_messages={"invalid": "Cette adresse électronique n'est pas valide."},
    )
    contact_consent = forms.BooleanField(
        label="La personne accepte d'être prévenue (confirmation, rappel, place libérée)",
        required=False,
    )


class PersonRegistrationForm(forms.Form):
    """A followed person (with a consent in force), chosen from the search's results."""

    person = forms.ModelChoiceField(
        queryset=None,
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choisissez une personne dans la recherche.",
            "invalid_choice": "Cette personne n'est pas suivie (pas d'accord en cours).",
        },
    )

    def __init__(self, *args, operator, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = consenting_persons(operator)

    def clean(self):
        data = super().clean()
        # The field is hidden: its error is said above the form.
        for message in self.errors.pop("person", []):
            self.add_error(None, message)
        return data


class AttendanceForm(forms.Form):
    attendance = forms.ChoiceField(
        choices=[(Attendance.PRESENT, "Présent"), (Attendance.ABSENT, "Absent")],
        error_messages={
            "required": "Choisissez présent ou absent.",
            "invalid_choice": "Choisissez présent ou absent.",
        },
    )
