"""One stop: its page, and the coordinator's changes (one-off stop, move, cancel, restore)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted
from allervers.core.pages import ConfirmForm, confirm_page, form_page
from allervers.core.roles import COORDINATOR_ROLES, PLANNING_READER_ROLES, Role
from allervers.core.tenancy import get_scoped_or_404, operator_view, scoped
from allervers.submissions.tokens import once_per_token

from .. import services
from ..forms import CancelForm, StopForm
from ..models import Stop
from .pages import back_to_stop, stop_url


def stop_queryset(request):
    return scoped(request, Stop).with_details()


@operator_view(*PLANNING_READER_ROLES)
def stop_detail(request, stop_id: int):
    stop = get_scoped_or_404(request, stop_queryset(request), pk=stop_id)
    today = timezone.localdate()
    presences = list(stop.presences.all())
    membership = request.membership
    own_presence = None
    if membership.role == Role.PARTNER:
        own_presence = next((p for p in presences if p.partner_id == membership.partner_id), None)
    events = list(stop.events.select_related("by"))
    context = {
        "stop": stop,
        "presences": presences,
        "assignments": list(stop.staff_assignments.all()),
        "events": events,
        "last_event": events[-1] if events else None,
        "is_future": stop.date >= today,
        "own_presence": own_presence,
        "may_declare": membership.role == Role.PARTNER
        and own_presence is None
        and stop.date >= today
        and not stop.is_cancelled,
    }
    return render(request, "planning/stop_detail.html", context)


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def stop_create(request):
    form = StopForm(posted(request), operator=request.operator)
    submission = form_submit(
        request,
        form,
        lambda data: services.stop_create_one_off(operator=request.operator, **data),
    )
    if submission.done:
        messages.success(request, "La permanence est ajoutée au planning.")
        return redirect("planning:stop_detail", stop_id=submission.result.pk)
    return form_page(
        request,
        form,
        title="Ajouter une permanence ponctuelle",
        intro="Une soirée, un événement : une permanence hors des rythmes habituels.",
        submit="Ajouter la permanence",
        back_url=reverse("planning:month"),
    )


@operator_view(*COORDINATOR_ROLES)
def stop_move(request, stop_id: int):
    stop = get_scoped_or_404(request, stop_queryset(request), pk=stop_id)
    if stop.is_cancelled:
        return back_to_stop(request, stop.pk, "Une permanence annulée ne peut pas être déplacée.")
    form = StopForm(posted(request), operator=request.operator, stop=stop)
    if form_submit(
        request, form, lambda data: services.stop_move(stop=stop, by=request.user, **data)
    ).done:
        # No flash message: the stop's page itself says what changed and who was told.
        return redirect("planning:stop_detail", stop_id=stop.pk)
    return form_page(
        request,
        form,
        title=f"Déplacer la permanence du {stop.date:%d/%m/%Y}",
        intro=f"Actuellement : {stop.slot_label}. Les partenaires et agents prévus "
        "recevront un message.",
        submit="Enregistrer le changement",
        back_url=stop_url(stop.pk),
    )


# Everyone a cancellation tells (the stop's change e-mails, and the bookings' stop change hook).
CANCEL_TOLD = (
    "Les partenaires et agents prévus recevront un courriel, et les personnes qui ont réservé un "
    "rendez-vous ou une place à un atelier ce jour-là un courriel ou un SMS (si elles ont accepté "
    "d'être contactées)."
)


@operator_view(*COORDINATOR_ROLES)
def stop_cancel(request, stop_id: int):
    stop = get_scoped_or_404(request, stop_queryset(request), pk=stop_id)
    if stop.is_cancelled:
        return back_to_stop(request, stop.pk, "Cette permanence est déjà annulée.")
    form = CancelForm(posted(request))
    if form_submit(
        request,
        form,
        lambda data: services.stop_cancel(
            stop=stop, reason=data["reason"], note=data["note"], by=request.user
        ),
    ).done:
        # No flash message: the stop's page itself says what changed and who was told.
        return redirect("planning:stop_detail", stop_id=stop.pk)
    return form_page(
        request,
        form,
        title=f"Annuler la permanence du {stop.date:%d/%m/%Y}",
        intro=f"{stop.slot_label}. {CANCEL_TOLD}",
        submit="Annuler la permanence",
        submit_class="danger",
        back_url=stop_url(stop.pk),
        back_label="Ne pas annuler",
    )


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def stop_restore(request, stop_id: int):
    """Hold a cancelled stop after all. The stop page posts here directly; a GET asks first."""
    stop = get_scoped_or_404(request, Stop.objects.select_related("site", "vehicle"), pk=stop_id)
    detail_url = stop_url(stop.pk)
    if request.method == "GET" and not stop.is_cancelled:
        messages.info(request, services.NOT_CANCELLED_MESSAGE)
        return HttpResponseRedirect(detail_url)
    form = ConfirmForm(posted(request))
    if form_submit(
        request, form, lambda data: services.stop_restore(stop=stop, by=request.user)
    ).done:
        messages.success(
            request,
            "La permanence est rétablie. Les partenaires et agents prévus sont prévenus "
            "par courriel.",
        )
        return HttpResponseRedirect(detail_url)
    if form.errors:
        stop.refresh_from_db()
    return confirm_page(
        request,
        form,
        title=f"Rétablir la permanence du {stop.date:%d/%m/%Y}",
        intro=f"{stop.slot_label}. Elle aura lieu à nouveau ; les partenaires et agents "
        "prévus recevront un message. L'annulation reste dans l'historique de la permanence.",
        submit="Rétablir la permanence",
        back_url=detail_url,
    )
