"""The report's filters, read from the URL (a GET form): period, site, partner."""

import datetime

from django import forms

from allervers.core.period_form import day_field
from allervers.planning.calendars import MONTH_NAMES

from .periods import CUSTOM, FIRST_YEAR, LAST_YEAR, MONTH, QUARTER, YEAR, Period

MAX_DAYS = 10 * 366
# Why a viewer reads whole years only: two reports on overlapping or nested periods (two chosen
# date ranges, a year and three of its quarters, a month and the months around it) would give a
# hidden small count by subtraction; the months, sites and partners of a year are all in the
# year's report, where one rule hides what could be worked out from its own totals.
WHOLE_YEARS_ONLY = (
    "Pour que personne ne puisse être reconnu, ces chiffres se lisent par année entière : "
    "choisissez une année (les mois et les lieux de stationnement sont détaillés dans le bilan "
    "de l'année)."
)


class ReportFilterForm(forms.Form):
    periode = forms.ChoiceField(
        label="Période",
        choices=[
            (YEAR, "Une année"),
            (QUARTER, "Un trimestre"),
            (MONTH, "Un mois"),
            (CUSTOM, "Des dates choisies"),
        ],
        required=False,
    )
    annee = forms.IntegerField(
        label="Année",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        required=False,
        error_messages={"invalid": "Indiquez une année en chiffres, par exemple 2025."},
    )
    trimestre = forms.TypedChoiceField(
        label="Trimestre",
        choices=[(n, f"{'1er' if n == 1 else f'{n}e'} trimestre") for n in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    mois = forms.TypedChoiceField(
        label="Mois",
        choices=[(n, name) for n, name in enumerate(MONTH_NAMES, start=1)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    du = day_field("Du", "Date de début invalide : utilisez le format jj/mm/aaaa.")
    au = day_field("Au", "Date de fin invalide : utilisez le format jj/mm/aaaa.")
    lieu = forms.ModelChoiceField(
        label="Lieu de stationnement",
        queryset=None,
        required=False,
        empty_label="Tous les lieux",
        error_messages={"invalid_choice": "Ce lieu de stationnement n'existe pas."},
    )
    partenaire = forms.ModelChoiceField(
        label="Partenaire",
        queryset=None,
        required=False,
        empty_label="Tous les partenaires",
        error_messages={"invalid_choice": "Ce partenaire n'existe pas."},
    )

    def __init__(
        self,
        data,
        *,
        sites,
        partners,
        today: datetime.date,
        whole_years=False,
        default_year: int | None = None,
    ):
        """`sites` and `partners`: the operator's (scoped) querysets; `partners=None` removes
        the partner filter (a partner user sees its own organisation only). `whole_years`: a
        reader whose small counts are hidden reads whole years only, without the site filter
        (see `WHOLE_YEARS_ONLY`)."""
        data = data.copy()
        self.today = today
        self.whole_years = whole_years
        # The default report is `default_year` (the view's choice: the current year when it
        # has data, else the last year that has), else the last complete year.
        data.setdefault("periode", YEAR)
        if data.get("periode") in (YEAR, QUARTER, MONTH) and not data.get("annee"):
            year = default_year if default_year is not None else today.year - 1
            data["annee"] = str(year if data["periode"] == YEAR else today.year)
        if data.get("periode") == QUARTER and not data.get("trimestre"):
            data["trimestre"] = str((today.month - 1) // 3 + 1)
        if data.get("periode") == MONTH and not data.get("mois"):
            data["mois"] = str(today.month)
        super().__init__(data)
        self.fields["lieu"].queryset = sites
        if whole_years:
            for name in ("trimestre", "mois", "du", "au", "lieu"):
                del self.fields[name]
        if partners is None:
            del self.fields["partenaire"]
        else:
            self.fields["partenaire"].queryset = partners

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("periode") or YEAR
        if self.whole_years and kind != YEAR and "periode" not in self.errors:
            raise forms.ValidationError(WHOLE_YEARS_ONLY)
        if kind == CUSTOM:
            start, end = cleaned.get("du"), cleaned.get("au")
            if "du" in self.errors or "au" in self.errors:
                return cleaned
            if start is None or end is None:
                raise forms.ValidationError(
                    "Pour des dates choisies, indiquez la date de début et la date de fin."
                )
            if end < start:
                raise forms.ValidationError(
                    "La date de fin est avant la date de début : inversez-les."
                )
            if start.year < FIRST_YEAR or end.year > LAST_YEAR:
                raise forms.ValidationError(
                    f"Choisissez des dates entre {FIRST_YEAR} et {LAST_YEAR}."
                )
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError("Choisissez une période de dix ans au plus.")
            cleaned["period"] = Period.custom(start, end)
        elif cleaned.get("annee") is not None:
            year = cleaned["annee"]
            if kind == QUARTER and cleaned.get("trimestre"):
                cleaned["period"] = Period.quarter(year, cleaned["trimestre"])
            elif kind == MONTH and cleaned.get("mois"):
                cleaned["period"] = Period.month(year, cleaned["mois"])
            elif kind == YEAR:
                cleaned["period"] = Period.year(year)
        return cleaned

    @property
    def period(self) -> Period | None:
        return self.cleaned_data.get("period") if self.is_valid() else None
