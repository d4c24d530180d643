"""The back office of « Prévenez-moi »: an agent subscribes someone at the bus door; the
coordinator sees the counts (subscribers per site, alerts per month, their cost), pauses a site,
and previews tomorrow's alerts. Counts only: no number or address is ever shown."""

from django.contrib import messages
from django.shortcuts import redirect, render

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm
from allervers.core.roles import COORDINATOR_ROLES, STAFF_ROLES
from allervers.core.tenancy import get_scoped_or_404, operator_view
from allervers.planning.models import Site
from allervers.submissions.tokens import once_per_token

from . import queries, services
from .forms import AgentSubscribeForm
from .queries import price_per_sms


@operator_view(*COORDINATOR_ROLES)
def alerts_overview(request):
    operator = request.operator
    context = {
        "sites": queries.sites_with_subscribers(operator),
        "months": queries.months(operator),
        "preview": queries.tomorrow_preview(operator),
        "price": price_per_sms(),
        "pause_form": ConfirmForm(),
    }
    return render(request, "alerts/overview.html", context)


@operator_view(*STAFF_ROLES)
@once_per_token
def agent_subscribe(request):
    operator = request.operator
    sites = Site.objects.for_operator(operator).active().order_by("name")
    form = AgentSubscribeForm(posted(request), sites=sites)

    def subscribe(data):
        return services.agent_subscribe(
            operator=operator,
            phone=data["phone"],
            email=data["email"],
            sites=data["sites"],
            by=request.user,
            request=request,
        )

    submission = form_submit(request, form, subscribe)
    if submission.done:
        messages.success(request, "C'est fait : la personne recevra les alertes des lieux choisis.")
        return redirect("alerts:agent_subscribe")
    return render_form(request, "alerts/agent_subscribe.html", {"form": form})


@operator_view(*COORDINATOR_ROLES)
def site_pause(request, site_id: int):
    site = get_scoped_or_404(request, Site, pk=site_id)
    paused = request.POST.get("paused") == "1"
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: services.site_pause(
            operator=request.operator, site=site, paused=paused, by=request.user
        ),
    )
    if submission.done:
        word = "en pause" if paused else "reprises"
        messages.success(request, f"Les alertes de « {site.name} » sont {word}.")
        return redirect("alerts:overview")
    context = {
        "form": form,
        "title": f"Alertes de « {site.name} »",
        "intro": "Mettre en pause les alertes de ce lieu, ou les reprendre.",
        "site": site,
    }
    return render_form(request, "alerts/site_pause.html", context)
