"""The reporting screens: the dashboard, its exports (PDF, XLSX, CSV) and the closing of years.

Roles: the coordinator sees everything and closes years; a partner user sees its own
organisation's figures; a viewer (funder, elected official) sees aggregates with small counts
hidden. Agents have no reporting screen. No page here ever shows a person.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from allervers.core.form_views import INVALID_FORM_STATUS
from allervers.core.roles import COORDINATOR_ROLES, FIGURE_READER_ROLES, Role
from allervers.core.tenancy import has_role, operator_view, scoped
from allervers.partners.models import Partner
from allervers.planning.enums import StopStatus
from allervers.planning.models import Site, Stop

from . import services
from .exports import report_csv, report_pdf, report_xlsx
from .forms import ReportFilterForm
from .models import YearClosure
from .presentation.values import FULL, VIEWER
from .presentation.view import ReportView
from .queries import Scope, report_figures


def _default_year(operator) -> int:
    """The year the dashboard opens on: the current year when it has data (a stop held so far:
    visits, appointments and workshops all happen at one), else the last year that has, else
    the current year (a new structure sees the year it starts)."""
    today = timezone.localdate()
    last = (
        Stop.objects.filter(operator=operator, status=StopStatus.HELD, date__lte=today)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    return last.year if last else today.year


def _report(request) -> tuple[ReportFilterForm, ReportView | None]:
    membership = request.membership
    is_partner = has_role(request, {Role.PARTNER})
    # Funders and partners read figures with small counts hidden; coordinators read them all.
    reader = not has_role(request, COORDINATOR_ROLES)
    form = ReportFilterForm(
        request.GET,
        sites=scoped(request, Site).order_by("name"),
        partners=None if is_partner or reader else scoped(request, Partner).order_by("name"),
        today=timezone.localdate(),
        whole_years=reader,
        default_year=_default_year(request.operator),
    )
    if not form.is_valid() or form.period is None:
        return form, None
    site = form.cleaned_data.get("lieu")
    partner = membership.partner if is_partner else form.cleaned_data.get("partenaire")
    scope = Scope(
        operator_id=request.operator.pk,
        period=form.period,
        today=form.today,
        site_id=site.pk if site else None,
        partner_id=partner.pk if partner else None,
    )
    figures = report_figures(scope)
    view = ReportView(
        operator=request.operator,
        report=figures.report,
        # A closed year reads the year before as stored with it (frozen); otherwise the year
        # before's own report, read with the same rule as when it is asked for itself.
        previous_report=None
        if figures.closure
        else report_figures(scope.before(), with_previous=False).report,
        audience=VIEWER if reader else FULL,
        closure=figures.closure,
        live_closure=figures.live_closure,
        site_name=site.name if site else "",
        partner_name=partner.name if partner else "",
        partner_only=is_partner,
    )
    return form, view


def _page(request, form, view, status=200):
    if view is None and form.errors:
        status = INVALID_FORM_STATUS
    query = request.GET.urlencode()
    return render(
        request,
        "reporting/dashboard.html",
        {
            "form": form,
            "view": view,
            "query": f"?{query}" if query else "",
            "can_close": has_role(request, COORDINATOR_ROLES),
        },
        status=status,
    )


@operator_view(*FIGURE_READER_ROLES)
def dashboard(request):
    form, view = _report(request)
    return _page(request, form, view)


def _download(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operator_view(*FIGURE_READER_ROLES)
def export_pdf(request):
    form, view = _report(request)
    if view is None:
        return _page(request, form, view, status=INVALID_FORM_STATUS)
    return _download(report_pdf(view, request), "application/pdf", f"{view.file_stem}.pdf")


@operator_view(*FIGURE_READER_ROLES)
def export_xlsx(request):
    form, view = _report(request)
    if view is None:
        return _page(request, form, view, status=INVALID_FORM_STATUS)
    return _download(
        report_xlsx(view),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"{view.file_stem}.xlsx",
    )


@operator_view(*FIGURE_READER_ROLES)
def export_csv(request):
    form, view = _report(request)
    if view is None:
        return _page(request, form, view, status=INVALID_FORM_STATUS)
    return _download(report_csv(view), "text/csv; charset=utf-8", f"{view.file_stem}.csv")


@operator_view(*COORDINATOR_ROLES)
def closures(request):
    """Closed years, their history, and the forms to close or reopen one."""
    today = timezone.localdate()
    history = list(
        scoped(request, YearClosure)
        .select_related("closed_by", "reopened_by")
        .order_by("-year", "-closed_at")
        .defer("figures")
    )
    in_force = {closure.year for closure in history if closure.in_force}
    closable = [year for year in range(today.year - 1, today.year - 11, -1) if year not in in_force]
    return render(
        request,
        "reporting/closures.html",
        {"history": history, "in_force": sorted(in_force, reverse=True), "closable": closable},
    )


def _year(request) -> int | None:
    try:
        return int(request.POST.get("annee", ""))
    except ValueError:
        return None


@operator_view(*COORDINATOR_ROLES)
@require_POST
def year_close(request):
    year = _year(request)
    if year is None:
        messages.error(request, "Choisissez l'année à clore.")
        return redirect("reporting:closures")
    try:
        services.year_close(operator=request.operator, year=year, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"L'année {year} est close : son bilan lit désormais les chiffres enregistrés.",
        )
    return redirect("reporting:closures")


@operator_view(*COORDINATOR_ROLES)
@require_POST
def year_reopen(request):
    year = _year(request)
    if year is None:
        messages.error(request, "Choisissez l'année à rouvrir.")
        return redirect("reporting:closures")
    try:
        services.year_reopen(
            operator=request.operator,
            year=year,
            user=request.user,
            reason=request.POST.get("motif", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, f"L'année {year} est rouverte : ses chiffres sont de nouveau calculés."
        )
    return redirect("reporting:closures")
