"""« Où et quand stationner » (issue 15, point 5): the coordinator's page.

Coordinators only: it is a planning tool, and its suggestions link to the schedule patterns
that only they change. It reads the figures live (a closed year's report keeps its own copy of
this section). Nothing here changes the planning.
"""

from django import forms
from django.shortcuts import render
from django.utils import timezone

from allervers.core.form_views import INVALID_FORM_STATUS
from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import operator_view, scoped
from allervers.planning.models import SchedulePattern

from .parking import parking_figures, parking_patterns
from .periods import FIRST_YEAR, LAST_YEAR, Period
from .presentation.parking import PatternLink, parking_section
from .presentation.values import FULL, Formatter
from .queries import Scope


class ParkingYearForm(forms.Form):
    annee = forms.IntegerField(
        label="Année",
        min_value=FIRST_YEAR,
        max_value=LAST_YEAR,
        error_messages={
            "invalid": "Indiquez une année en chiffres, par exemple 2025.",
            "required": "Indiquez une année.",
            "min_value": f"Choisissez une année entre {FIRST_YEAR} et {LAST_YEAR}.",
            "max_value": f"Choisissez une année entre {FIRST_YEAR} et {LAST_YEAR}.",
        },
        help_text="Par défaut, la dernière année complète.",
    )

    def __init__(self, data, *, today):
        data = data.copy()
        # The last complete year by default, as the yearly report: a year under way has not
        # had its summer (nor, in the seed, its evening trials) yet.
        data.setdefault("annee", str(today.year - 1))
        super().__init__(data)


def _pattern_links(request, scope: Scope) -> dict[tuple, list[PatternLink]]:
    by_cell = parking_patterns(scope)
    wanted = {pattern_id for ids in by_cell.values() for pattern_id in ids}
    patterns = scoped(request, SchedulePattern).filter(pk__in=wanted).select_related("site")
    labels = {
        pattern.pk: f"{pattern} (du {pattern.valid_from:%d/%m/%Y} "
        f"au {pattern.valid_until:%d/%m/%Y})"
        for pattern in patterns
    }
    return {
        key: [
            PatternLink(pattern_id, labels[pattern_id])
            for pattern_id in ids
            if pattern_id in labels
        ]
        for key, ids in by_cell.items()
    }


@operator_view(*COORDINATOR_ROLES)
def parking(request):
    today = timezone.localdate()
    form = ParkingYearForm(request.GET, today=today)
    if not form.is_valid():
        context = {"form": form, "section": None, "period_label": ""}
        return render(request, "reporting/parking.html", context, status=INVALID_FORM_STATUS)
    period = Period.year(form.cleaned_data["annee"])
    scope = Scope(operator_id=request.operator.pk, period=period, today=today)
    section = parking_section(
        parking_figures(scope), Formatter(FULL), _pattern_links(request, scope)
    )
    context = {"form": form, "section": section, "period_label": period.label}
    return render(request, "reporting/parking.html", context)
