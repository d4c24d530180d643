"""The screening's pieces shown in other apps' pages, each by one tag: the section of a visit,
the right behind a referral, and the section of the report (dashboard and PDF)."""

from django import template

from allervers.reporting.presentation.values import NOT_DISCLOSED, Value

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


def _euros(formatter, amount, count: int) -> Value:
    return formatter.amount(float(amount or 0), count, "\u00a0€")


COLUMNS = ("found", "found_amount", "referred", "opened", "opened_amount", "refused", "dropped")
AMOUNT_OF = {"found_amount": "found", "opened_amount": "opened"}


def _values(formatter, row: dict) -> list[Value]:
    return [
        _euros(formatter, row[name], row[AMOUNT_OF[name]])
        if name in AMOUNT_OF
        else formatter.count(row[name])
        for name in COLUMNS
    ]


def report_section(view) -> dict | None:
    """The report's section of the screening of rights, formatted for the view's audience; a
    partner's own report has none. With a site or partner filter, only a notice. The figures are
    the report's own (`report_compute`), so a closed year shows those stored at its closing; a
    year closed before the screening existed says so."""
    if view.partner_only:
        return None
    if view.filter_lines():
        return {"filtered": True, "closed_before": False}
    figures = view.report.get("screening")
    if figures is None:
        return {"filtered": False, "closed_before": True}
    formatter = view.formatter
    rows = [{"label": row["label"], "values": _values(formatter, row)} for row in figures["kinds"]]
    total = _values(formatter, figures["total"])
    # A total beside a hidden part would give that part away: hide the total too.
    for index, value in enumerate(total):
        if any(row["values"][index].raw is None for row in rows) and value.raw is not None:
            total[index] = Value(None, NOT_DISCLOSED)
    return {
        "filtered": False,
        "closed_before": False,
        "screenings": formatter.count(figures["screenings"]),
        "rows": rows,
        "total": total,
    }


@register.inclusion_tag("screening/report_section.html")
def screening_report_section(view):
    return {"section": report_section(view)}
