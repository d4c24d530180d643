"""The journal's filters: a period, a member, an action, a person (by id, never by name)."""

from django import forms
from django.contrib.auth import get_user_model

from allervers.core.period_form import PeriodForm

from .enums import Action

# Dates outside these years are typing mistakes (and would overflow the period's bounds).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user) -> str:
        name = user.get_full_name()
        return f"{name} ({user.email})" if name else user.email


class JournalFilterForm(PeriodForm):
    years = (FIRST_YEAR, LAST_YEAR)

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
