"""The journal's filters: a period, a member, an action, a person (by id, never by name)."""

from django import forms
from django.contrib.auth import get_user_model

from .enums import Action

# Dates outside these years are typing mistakes (and would overflow the period's bounds).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} ({user.email})" if name else user.email


class JournalFilterForm(forms.Form):
    start = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Date de début invalide."},
    )
    end = forms.DateField(
        label="Au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Date de fin invalide."},
    )
    compte = MemberChoiceField(
        label="Compte",
        required=False,
        queryset=get_user_model().objects.none(),
        empty_label="Tous les comptes",
        error_messages={"invalid_choice": "Ce compte n'est pas membre de la structure."},
    )
    action = forms.ChoiceField(
        label="Action",
        required=False,
        choices=[("", "Toutes les actions"), *Action.choices],
        error_messages={"invalid_choice": "Action inconnue."},
    )
    personne = forms.IntegerField(
        label="Personne (numéro de fiche)",
        required=False,
        min_value=1,
        max_value=2**62,
        error_messages={
            "invalid": "Le numéro de fiche est un nombre entier.",
            "min_value": "Le numéro de fiche est un nombre entier positif.",
            "max_value": "Ce numéro de fiche n'existe pas.",
        },
    )

    def __init__(self, data=None, *, operator):
        super().__init__(data)
        self.fields["compte"].queryset = (
            get_user_model()
            .objects.filter(memberships__operator=operator)
            .distinct()
            .order_by("last_name", "first_name", "email")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        for name, day in (("start", start), ("end", end)):
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(name, f"Choisissez une date entre {FIRST_YEAR} et {LAST_YEAR}.")
                return cleaned
        if start and end and end < start:
            raise forms.ValidationError("La date de fin doit être après la date de début.")
        return cleaned
