"""The « Où et quand stationner » section of the yearly report (dashboard and PDF):
`{% load parking_report %}{% parking_report_section view %}`, `view` being a `ReportView`."""

from django import template
from django.urls import reverse

from ..periods import YEAR
from ..presentation.parking import parking_section

register = template.Library()
MISSING = object()

CLOSED_BEFORE = (
    "Cette année a été close avant que le bilan ne compte les visites par lieu, jour et "
    "moment : la coordination les trouve sur la page « Où et quand stationner »."
)


def _page_url(view, pdf: bool) -> str:
    """The coordinator's page, for the same year, on the coordinator's dashboard."""
    if pdf or view.masked or view.partner_only:
        return ""
    query = f"?annee={view.period.start.year}" if view.period.kind == YEAR else ""
    return reverse("reporting:parking") + query


@register.inclusion_tag("reporting/parking_section.html")
def parking_report_section(view, pdf: bool = False) -> dict:
    context = {
        "section": None,
        "heading": "Où et quand stationner",
        "absent": "",
        "links": False,
        "pdf": pdf,
        "period_label": view.period.label,
        "page_url": _page_url(view, pdf),
    }
    figures = view.report.get("parking", MISSING)
    if view.partner_only or figures is None:  # none for a partner's figures
        return context
    if figures is MISSING:
        if not view.report.get("filters", {}).get("partner_id"):
            context["absent"] = CLOSED_BEFORE
        return context
    context["section"] = parking_section(figures, view.formatter)
    return context
