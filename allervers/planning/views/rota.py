"""Who is on a stop: the partners present and the agents on duty, with the month's staff rota
and partner coverage."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page
from allervers.core.roles import (
    COORDINATOR_ROLES,
    PLANNING_READER_ROLES,
    PRESENCE_WRITER_ROLES,
    STAFF_ROLES,
    Role,
)
from allervers.core.tenancy import get_scoped_or_404, has_role, operator_view, scoped

from .. import services
from ..forms import PresenceForm, StaffForm
from ..models import PartnerPresence, StaffAssignment, Stop
from ..queries import month_coverage, month_rota
from .filters import filter_form, filtered_stops, month_links, shown_month
from .pages import back_to_stop, stop_form_page, stop_url
from .stops import stop_queryset

# Partners present ----------------------------------------------------------------------------


@operator_view(*PRESENCE_WRITER_ROLES)
def presence_add(request, stop_id: int):
    stop = get_scoped_or_404(request, stop_queryset(request), pk=stop_id)
    membership = request.membership
    is_partner = has_role(request, {Role.PARTNER})
    detail_url = stop_url(stop.pk)
    if stop.is_cancelled:
        return back_to_stop(request, stop.pk, services.CANCELLED_STOP_MESSAGE)
    if is_partner and stop.date < timezone.localdate():
        return back_to_stop(request, stop.pk, services.PAST_STOP_MESSAGE)
    form = PresenceForm(
        posted(request), operator=request.operator, stop=stop, membership=membership
    )
    if form_submit(
        request,
        form,
        lambda data: services.presence_declare(
            stop=stop,
            partner=form.chosen_partner(),
            acting=membership,
            start_time=data["start_time"],
            end_time=data["end_time"],
        ),
    ).done:
        messages.success(request, "La présence est enregistrée.")
        return HttpResponseRedirect(detail_url)
    title = (
        f"Déclarer la présence de {membership.partner.name}"
        if is_partner
        else "Ajouter un partenaire"
    )
    return stop_form_page(request, stop, form, title=title, submit="Enregistrer la présence")


@operator_view(*PRESENCE_WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def presence_withdraw(request, presence_id: int):
    presence = get_scoped_or_404(
        request, PartnerPresence.objects.select_related("stop__site", "partner"), pk=presence_id
    )
    stop = presence.stop
    detail_url = stop_url(stop.pk)
    if has_role(request, {Role.PARTNER}) and presence.partner_id != request.membership.partner_id:
        raise PermissionDenied(services.OTHER_ORGANISATION_MESSAGE)
    form = ConfirmForm(posted(request))
    if form_submit(
        request,
        form,
        lambda data: services.presence_withdraw(presence=presence, acting=request.membership),
    ).done:
        messages.success(
            request,
            f"{presence.partner.name} est noté absent ce jour-là : l'équipe du rythme ne le "
            "remettra pas sur cette permanence."
            if presence.rota_line_id
            else f"{presence.partner.name} n'est plus prévu sur cette permanence.",
        )
        return HttpResponseRedirect(detail_url)
    return confirm_page(
        request,
        form,
        title=f"Retirer {presence.partner.name} de la permanence",
        intro=stop.slot_label,
        submit="Retirer la présence",
        back_url=detail_url,
    )


@operator_view(*PLANNING_READER_ROLES)
def coverage(request):
    form = filter_form(request, "month")
    first = shown_month(form)
    stops = scoped(request, Stop)
    site = form.value("site")
    if site is not None:
        stops = stops.filter(site=site)
    found = month_coverage(request.operator, first, stops)
    if has_role(request, {Role.PARTNER}):
        found.stop_warnings = [w for w in found.stop_warnings if not w.about_agents]
    context = {
        "form": form,
        "coverage": found,
        **month_links(form, first),
    }
    return render_form(request, "planning/coverage.html", context)


# Agents on duty ------------------------------------------------------------------------------


@operator_view(*COORDINATOR_ROLES)
def staff_add(request, stop_id: int):
    stop = get_scoped_or_404(request, stop_queryset(request), pk=stop_id)
    detail_url = stop_url(stop.pk)
    form = StaffForm(posted(request), operator=request.operator, stop=stop)
    if form_submit(
        request,
        form,
        lambda data: services.staff_assign(
            stop=stop, user=data["user"], duty_role=data["duty_role"]
        ),
    ).done:
        messages.success(request, "L'agent est désigné sur cette permanence.")
        return HttpResponseRedirect(detail_url)
    return stop_form_page(request, stop, form, title="Désigner un agent", submit="Désigner")


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def staff_remove(request, assignment_id: int):
    assignment = get_scoped_or_404(
        request, StaffAssignment.objects.select_related("stop__site", "user"), pk=assignment_id
    )
    detail_url = stop_url(assignment.stop_id)
    form = ConfirmForm(posted(request))
    if form_submit(
        request, form, lambda data: services.staff_unassign(assignment=assignment, by=request.user)
    ).done:
        messages.success(request, "L'agent n'est plus désigné sur cette permanence.")
        return HttpResponseRedirect(detail_url)
    name = assignment.user.get_full_name() or assignment.user.email
    return confirm_page(
        request,
        form,
        title=f"Retirer {name} de la permanence",
        intro=assignment.stop.slot_label,
        submit="Retirer l'agent",
        back_url=detail_url,
    )


@operator_view(*STAFF_ROLES)
def staff_rota(request):
    form = filter_form(request, "month")
    first = shown_month(form)
    rows = month_rota(first, filtered_stops(request, form))
    context = {
        "form": form,
        "month": first,
        "rows": rows,
        "short_count": sum(row.short for row in rows),
        **month_links(form, first),
    }
    return render_form(request, "planning/staff_rota.html", context)
