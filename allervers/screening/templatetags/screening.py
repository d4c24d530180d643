"""The screening's pieces shown in other apps' pages, each by one tag: the section of a visit,
the right behind a referral, and the section of the report (dashboard and PDF)."""

from django import template

from ..models import Screening, ScreeningRight

register = template.Library()


@register.inclusion_tag("screening/visit_section.html")
def screening_visit_section(visit):
    screenings = Screening.objects.filter(operator_id=visit.operator_id, visit=visit).only(
        "pk", "made_at"
    )
    return {"visit": visit, "screenings": list(screenings)}


@register.inclusion_tag("screening/referral_right.html")
def screening_referral_right(referral):
    """The right a referral was made for (its kind and outcome only: never the amounts or the
    household's answers, which a partner must not read)."""
    right = ScreeningRight.objects.filter(
        operator_id=referral.operator_id, referral=referral
    ).first()
    return {"right": right}


@register.inclusion_tag("screening/report_section.html")
def screening_report_section(view):
    """The report's section (`ReportView.screening`, which the XLSX and the CSV read too)."""
    return {"section": view.screening}
