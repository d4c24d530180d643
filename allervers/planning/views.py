"""Back-office screens of the planning. Thin: forms validate, services write, overviews read.

Roles: the coordinator plans (every write); agents and partners read; a partner also declares
or withdraws its own organisation's presence on future stops; viewers see none of these screens.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allervers.operators.enums import ALL_ROLES, Role
from allervers.operators.tenancy import get_scoped_or_404, operator_view, scoped

from . import services
from .enums import StopStatus
from .forms import (
    CancelForm,
    PatternForm,
    PlanningFilterForm,
    PresenceForm,
    SiteForm,
    StaffForm,
    StopForm,
)
from .geocoding import get_geocoder
from .models import PartnerPresence, SchedulePattern, Site, StaffAssignment, Stop, StopEvent
from .overviews import add_months, month_bounds, month_coverage, month_rota, month_weeks, week_days

UPCOMING_ON_HOME = 6
UPCOMING_DAYS = 8 * 7
RECENT_CHANGE_DAYS = 14

READERS = (Role.COORDINATOR, Role.AGENT, Role.PARTNER)
PLANNERS = (Role.COORDINATOR,)
PRESENCE_WRITERS = (Role.COORDINATOR, Role.PARTNER)
STAFF = (Role.COORDINATOR, Role.AGENT)


def _posted(request):
    """The submitted data, or None: an empty POST is still a submission (and an error)."""
    return request.POST if request.method == "POST" else None


def _is_partner(request) -> bool:
    return request.membership.role == Role.PARTNER


def _add_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


@operator_view(*ALL_ROLES)
def home(request):
    """Today's stop first, then the next ones; what each role needs to start its day."""
    today = timezone.localdate()
    membership = request.membership
    context = {"today": today}
    if membership.role == Role.VIEWER:
        year_stops = scoped(request, Stop).filter(date__year=today.year, date__lte=today)
        context["held_this_year"] = year_stops.held().count()
        context["cancelled_this_year"] = year_stops.cancelled().count()
        return render(request, "planning/home_viewer.html", context)

    stops = scoped(request, Stop).upcoming(today).with_details()
    if membership.role == Role.PARTNER:
        stops = stops.for_partner(membership.partner_id)
    upcoming = list(stops[: UPCOMING_ON_HOME + 1])
    context["todays_stops"] = [stop for stop in upcoming if stop.date == today]
    context["next_stops"] = [stop for stop in upcoming if stop.date != today][:UPCOMING_ON_HOME]
    since = timezone.now() - datetime.timedelta(days=RECENT_CHANGE_DAYS)
    context["recent_cancellations"] = list(
        scoped(request, Stop)
        .cancelled()
        .upcoming(today)
        .filter(cancelled_at__gte=since)
        .select_related("site")[:5]
    )
    context["recent_restorations"] = list(
        scoped(request, StopEvent)
        .restored()
        .filter(at__gte=since, stop__date__gte=today, stop__status=StopStatus.HELD)
        .select_related("stop__site")
        .order_by("-at")[:5]
    )
    context["recent_moves"] = list(
        scoped(request, Stop)
        .held()
        .upcoming(today)
        .filter(moved_at__gte=since)
        .select_related("site")[:5]
    )
    return render(request, "planning/home.html", context)


# Calendar views ------------------------------------------------------------------------------


def _filtered_stops(request, form: PlanningFilterForm):
    stops = scoped(request, Stop)
    site, partner = form.value("site"), form.value("partner")
    if site is not None:
        stops = stops.filter(site=site)
    if partner is not None:
        stops = stops.for_partner(partner.pk)
    return stops


def _filter_form(request, period: str) -> PlanningFilterForm:
    return PlanningFilterForm(request.GET or None, operator=request.operator, period=period)


def _show_period(form: PlanningFilterForm, name: str, value: str) -> None:
    """Fill the period input with the period shown, unless the user typed something wrong."""
    if not form.is_bound:
        form.initial[name] = value
    elif name not in form.errors:
        form.data = form.data.copy()
        form.data[name] = value


def _status(form: PlanningFilterForm) -> int:
    return 400 if form.is_bound and not form.is_valid() else 200


def _query_string(form: PlanningFilterForm, **period) -> str:
    """The filters of the page with another period, for the previous / next links."""
    params = {}
    for name in ("site", "partner"):
        value = form.value(name)
        if value is not None:
            params[name] = value.pk
    params.update(period)
    return "?" + "&".join(f"{key}={value}" for key, value in params.items())


@operator_view(*READERS)
def month(request):
    form = _filter_form(request, "month")
    first = form.value("month") or timezone.localdate().replace(day=1)
    _show_period(form, "month", f"{first:%Y-%m}")
    start, end = month_bounds(first)
    stops = list(_filtered_stops(request, form).between(start, end).with_details())
    context = {
        "form": form,
        "month": first,
        "weeks": month_weeks(first, stops),
        "stop_count": len(stops),
        "previous_url": _query_string(form, month=f"{add_months(first, -1):%Y-%m}"),
        "next_url": _query_string(form, month=f"{add_months(first, 1):%Y-%m}"),
        "today": timezone.localdate(),
    }
    return render(request, "planning/month.html", context, status=_status(form))


@operator_view(*READERS)
def week(request):
    form = _filter_form(request, "week")
    today = timezone.localdate()
    monday = form.value("week") or today - datetime.timedelta(days=today.weekday())
    _show_period(form, "week", monday.strftime("%G-W%V"))
    sunday = monday + datetime.timedelta(days=6)
    stops = list(_filtered_stops(request, form).between(monday, sunday).with_details())
    previous_monday = monday - datetime.timedelta(days=7)
    next_monday = monday + datetime.timedelta(days=7)
    context = {
        "form": form,
        "monday": monday,
        "sunday": sunday,
        "iso_week": monday.isocalendar().week,
        "days": week_days(monday, stops),
        "previous_url": _query_string(form, week=previous_monday.strftime("%G-W%V")),
        "next_url": _query_string(form, week=next_monday.strftime("%G-W%V")),
        "today": today,
    }
    return render(request, "planning/week.html", context, status=_status(form))


@operator_view(*READERS)
def upcoming(request):
    form = _filter_form(request, "upcoming")
    today = timezone.localdate()
    stops = list(
        _filtered_stops(request, form)
        .between(today, today + datetime.timedelta(days=UPCOMING_DAYS))
        .order_by("date", "start_time")
        .with_details()
    )
    context = {"form": form, "stops": stops, "today": today, "weeks": UPCOMING_DAYS // 7}
    return render(request, "planning/upcoming.html", context, status=_status(form))


# Stops ---------------------------------------------------------------------------------------


def _stop_queryset(request):
    return scoped(request, Stop).with_details()


@operator_view(*READERS)
def stop_detail(request, stop_id: int):
    stop = get_scoped_or_404(request, _stop_queryset(request), pk=stop_id)
    today = timezone.localdate()
    presences = list(stop.presences.all())
    membership = request.membership
    own_presence = None
    if membership.role == Role.PARTNER:
        own_presence = next((p for p in presences if p.partner_id == membership.partner_id), None)
    context = {
        "stop": stop,
        "presences": presences,
        "assignments": list(stop.staff_assignments.all()),
        "events": list(stop.events.select_related("by")),
        "is_future": stop.date >= today,
        "own_presence": own_presence,
        "may_declare": membership.role == Role.PARTNER
        and own_presence is None
        and stop.date >= today
        and not stop.is_cancelled,
    }
    return render(request, "planning/stop_detail.html", context)


def _form_page(request, context: dict, status: int = 200):
    return render(request, "planning/form_page.html", context, status=status)


@operator_view(*PLANNERS)
def stop_create(request):
    form = StopForm(_posted(request), operator=request.operator)
    if request.method == "POST" and form.is_valid():
        try:
            stop = services.stop_create_one_off(operator=request.operator, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "La permanence est ajoutée au planning.")
            return redirect("planning:stop_detail", stop_id=stop.pk)
    return _form_page(
        request,
        {
            "title": "Ajouter une permanence ponctuelle",
            "intro": "Une soirée, un événement : une permanence hors des rythmes habituels.",
            "form": form,
            "submit": "Ajouter la permanence",
            "back_url": reverse("planning:month"),
        },
        status=400 if form.errors else 200,
    )


@operator_view(*PLANNERS)
def stop_move(request, stop_id: int):
    stop = get_scoped_or_404(request, _stop_queryset(request), pk=stop_id)
    if stop.is_cancelled:
        messages.error(request, "Une permanence annulée ne peut pas être déplacée.")
        return redirect("planning:stop_detail", stop_id=stop.pk)
    form = StopForm(_posted(request), operator=request.operator, stop=stop)
    if request.method == "POST" and form.is_valid():
        try:
            services.stop_move(stop=stop, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # No flash message: the stop's page itself says what changed and who was told.
            return redirect("planning:stop_detail", stop_id=stop.pk)
    return _form_page(
        request,
        {
            "title": f"Déplacer la permanence du {stop.date:%d/%m/%Y}",
            "intro": f"Actuellement : {stop.slot_label}. Les partenaires et agents prévus "
            "recevront un message.",
            "form": form,
            "submit": "Enregistrer le changement",
            "back_url": reverse("planning:stop_detail", kwargs={"stop_id": stop.pk}),
        },
        status=400 if form.errors else 200,
    )


@operator_view(*PLANNERS)
def stop_cancel(request, stop_id: int):
    stop = get_scoped_or_404(request, _stop_queryset(request), pk=stop_id)
    if stop.is_cancelled:
        messages.error(request, "Cette permanence est déjà annulée.")
        return redirect("planning:stop_detail", stop_id=stop.pk)
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.stop_cancel(
                stop=stop,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            # No flash message: the stop's page itself says what changed and who was told.
            return redirect("planning:stop_detail", stop_id=stop.pk)
    return _form_page(
        request,
        {
            "title": f"Annuler la permanence du {stop.date:%d/%m/%Y}",
            "intro": f"{stop.slot_label}. Les partenaires et agents prévus recevront un message.",
            "form": form,
            "submit": "Annuler la permanence",
            "submit_class": "danger",
            "back_url": reverse("planning:stop_detail", kwargs={"stop_id": stop.pk}),
            "back_label": "Ne pas annuler",
        },
        status=400 if form.errors else 200,
    )


@operator_view(*PLANNERS)
@require_http_methods(["GET", "POST"])
def stop_restore(request, stop_id: int):
    """Hold a cancelled stop after all. The stop page posts here directly; a GET asks first."""
    stop = get_scoped_or_404(request, Stop.objects.select_related("site", "vehicle"), pk=stop_id)
    detail_url = reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})
    if request.method == "GET" and not stop.is_cancelled:
        messages.info(request, services.NOT_CANCELLED_MESSAGE)
        return HttpResponseRedirect(detail_url)
    error = None
    if request.method == "POST":
        try:
            services.stop_restore(stop=stop, by=request.user)
        except ValidationError as refused:
            error = " ".join(refused.messages)
            stop.refresh_from_db()
        else:
            messages.success(
                request,
                "La permanence est rétablie. Les partenaires et agents prévus sont prévenus "
                "par courriel.",
            )
            return HttpResponseRedirect(detail_url)
    return render(
        request,
        "planning/confirm.html",
        {
            "title": f"Rétablir la permanence du {stop.date:%d/%m/%Y}",
            "intro": f"{stop.slot_label}. Elle aura lieu à nouveau ; les partenaires et agents "
            "prévus recevront un message. L'annulation reste dans l'historique de la permanence.",
            "error": error,
            "submit": "Rétablir la permanence",
            "back_url": detail_url,
        },
        status=400 if error else 200,
    )


# Partner rota --------------------------------------------------------------------------------


@operator_view(*PRESENCE_WRITERS)
def presence_add(request, stop_id: int):
    stop = get_scoped_or_404(request, _stop_queryset(request), pk=stop_id)
    membership = request.membership
    detail_url = reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})
    if stop.is_cancelled or (_is_partner(request) and stop.date < timezone.localdate()):
        messages.error(
            request,
            services.CANCELLED_STOP_MESSAGE if stop.is_cancelled else services.PAST_STOP_MESSAGE,
        )
        return HttpResponseRedirect(detail_url)
    form = PresenceForm(
        _posted(request), operator=request.operator, stop=stop, membership=membership
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.presence_declare(
                stop=stop,
                partner=form.chosen_partner(),
                acting=membership,
                start_time=form.cleaned_data["start_time"],
                end_time=form.cleaned_data["end_time"],
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "La présence est enregistrée.")
            return HttpResponseRedirect(detail_url)
    title = (
        f"Déclarer la présence de {membership.partner.name}"
        if _is_partner(request)
        else "Ajouter un partenaire"
    )
    return _form_page(
        request,
        {
            "title": title,
            "intro": stop.slot_label,
            "form": form,
            "submit": "Enregistrer la présence",
            "back_url": detail_url,
        },
        status=400 if form.errors else 200,
    )


@operator_view(*PRESENCE_WRITERS)
@require_http_methods(["GET", "POST"])
def presence_withdraw(request, presence_id: int):
    presence = get_scoped_or_404(
        request, PartnerPresence.objects.select_related("stop__site", "partner"), pk=presence_id
    )
    stop = presence.stop
    detail_url = reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})
    if _is_partner(request) and presence.partner_id != request.membership.partner_id:
        raise PermissionDenied(services.OTHER_ORGANISATION_MESSAGE)
    error = None
    if request.method == "POST":
        try:
            services.presence_withdraw(presence=presence, acting=request.membership)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            messages.success(
                request, f"{presence.partner.name} n'est plus prévu sur cette permanence."
            )
            return HttpResponseRedirect(detail_url)
    return render(
        request,
        "planning/confirm.html",
        {
            "title": f"Retirer {presence.partner.name} de la permanence",
            "intro": stop.slot_label,
            "error": error,
            "submit": "Retirer la présence",
            "back_url": detail_url,
        },
        status=400 if error else 200,
    )


# Staff rota ----------------------------------------------------------------------------------


@operator_view(*PLANNERS)
def staff_add(request, stop_id: int):
    stop = get_scoped_or_404(request, _stop_queryset(request), pk=stop_id)
    detail_url = reverse("planning:stop_detail", kwargs={"stop_id": stop.pk})
    form = StaffForm(_posted(request), operator=request.operator, stop=stop)
    if request.method == "POST" and form.is_valid():
        try:
            services.staff_assign(
                stop=stop, user=form.cleaned_data["user"], duty_role=form.cleaned_data["duty_role"]
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "L'agent est désigné sur cette permanence.")
            return HttpResponseRedirect(detail_url)
    return _form_page(
        request,
        {
            "title": "Désigner un agent",
            "intro": stop.slot_label,
            "form": form,
            "submit": "Désigner",
            "back_url": detail_url,
        },
        status=400 if form.errors else 200,
    )


@operator_view(*PLANNERS)
@require_http_methods(["GET", "POST"])
def staff_remove(request, assignment_id: int):
    assignment = get_scoped_or_404(
        request, StaffAssignment.objects.select_related("stop__site", "user"), pk=assignment_id
    )
    detail_url = reverse("planning:stop_detail", kwargs={"stop_id": assignment.stop_id})
    if request.method == "POST":
        services.staff_unassign(assignment=assignment)
        messages.success(request, "L'agent n'est plus désigné sur cette permanence.")
        return HttpResponseRedirect(detail_url)
    name = assignment.user.get_full_name() or assignment.user.username
    return render(
        request,
        "planning/confirm.html",
        {
            "title": f"Retirer {name} de la permanence",
            "intro": assignment.stop.slot_label,
            "submit": "Retirer l'agent",
            "back_url": detail_url,
        },
    )


@operator_view(*STAFF)
def staff_rota(request):
    form = _filter_form(request, "month")
    first = form.value("month") or timezone.localdate().replace(day=1)
    _show_period(form, "month", f"{first:%Y-%m}")
    rows = month_rota(first, _filtered_stops(request, form))
    context = {
        "form": form,
        "month": first,
        "rows": rows,
        "short_count": sum(row.short for row in rows),
        "previous_url": _query_string(form, month=f"{add_months(first, -1):%Y-%m}"),
        "next_url": _query_string(form, month=f"{add_months(first, 1):%Y-%m}"),
    }
    return render(request, "planning/staff_rota.html", context, status=_status(form))


@operator_view(*READERS)
def coverage(request):
    form = _filter_form(request, "month")
    first = form.value("month") or timezone.localdate().replace(day=1)
    _show_period(form, "month", f"{first:%Y-%m}")
    stops = scoped(request, Stop)
    site = form.value("site")
    if site is not None:
        stops = stops.filter(site=site)
    context = {
        "form": form,
        "coverage": month_coverage(request.operator, first, stops),
        "previous_url": _query_string(form, month=f"{add_months(first, -1):%Y-%m}"),
        "next_url": _query_string(form, month=f"{add_months(first, 1):%Y-%m}"),
    }
    return render(request, "planning/coverage.html", context, status=_status(form))


# Sites ---------------------------------------------------------------------------------------


@operator_view(*READERS)
def site_list(request):
    sites = scoped(request, Site).order_by("is_archived", "name")
    return render(request, "planning/site_list.html", {"sites": sites})


@operator_view(*READERS)
def site_detail(request, site_id: int):
    site = get_scoped_or_404(request, Site, pk=site_id)
    today = timezone.localdate()
    next_stops = list(site.stops.held().upcoming(today).select_related("site")[:5])
    return render(request, "planning/site_detail.html", {"site": site, "next_stops": next_stops})


def _site_form_page(request, site: Site | None):
    instance = site or Site(operator=request.operator)
    form = SiteForm(_posted(request), instance=instance)
    geocoder = get_geocoder()
    if request.method == "POST" and request.POST.get("action") == "geocode":
        # Look up the coordinates and show the form again, nothing saved yet.
        form = SiteForm(instance=instance, initial=request.POST.dict())
        address = ", ".join(
            part
            for part in (
                request.POST.get(name, "").strip() for name in ("address", "postcode", "city")
            )
            if part
        )
        place = geocoder.geocode(address) if address else None
        if place is None:
            messages.warning(
                request,
                "Coordonnées introuvables pour cette adresse : saisissez-les à la main "
                "(clic droit sur OpenStreetMap, « Afficher l'adresse »).",
            )
        else:
            form.initial.update(latitude=place.latitude, longitude=place.longitude)
            messages.info(
                request,
                f"Coordonnées trouvées pour « {place.label} » : vérifiez-les puis enregistrez.",
            )
    elif request.method == "POST" and form.is_valid():
        try:
            site = services.site_save(site=form.save(commit=False))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, "Le lieu est enregistré.")
            return redirect("planning:site_detail", site_id=site.pk)
    return render(
        request,
        "planning/site_form.html",
        {"form": form, "site": site, "geocoder_available": getattr(geocoder, "available", True)},
        status=400 if form.errors else 200,
    )


@operator_view(*PLANNERS)
def site_create(request):
    return _site_form_page(request, None)


@operator_view(*PLANNERS)
def site_edit(request, site_id: int):
    return _site_form_page(request, get_scoped_or_404(request, Site, pk=site_id))


@operator_view(*PLANNERS)
@require_http_methods(["GET", "POST"])
def site_archive(request, site_id: int):
    site = get_scoped_or_404(request, Site, pk=site_id)
    if request.method == "POST":
        services.site_archive(site=site, archived=not site.is_archived)
        messages.success(
            request,
            "Le lieu est archivé : il n'est plus proposé pour de nouvelles permanences."
            if site.is_archived
            else "Le lieu est de nouveau en service.",
        )
        return redirect("planning:site_detail", site_id=site.pk)
    return render(
        request,
        "planning/confirm.html",
        {
            "title": f"{'Remettre en service' if site.is_archived else 'Archiver'} « {site.name} »",
            "intro": "Un lieu n'est jamais supprimé : ses permanences passées le gardent. "
            "Archivé, il n'est plus proposé pour de nouvelles permanences.",
            "submit": "Remettre en service" if site.is_archived else "Archiver le lieu",
            "back_url": reverse("planning:site_detail", kwargs={"site_id": site.pk}),
        },
    )


# Patterns ------------------------------------------------------------------------------------


@operator_view(*READERS)
def pattern_list(request):
    patterns = (
        scoped(request, SchedulePattern)
        .select_related("site", "vehicle")
        .order_by("-valid_until", "weekday", "start_time")
    )
    return render(request, "planning/pattern_list.html", {"patterns": patterns})


@operator_view(*READERS)
def pattern_detail(request, pattern_id: int):
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site", "vehicle"), pk=pattern_id
    )
    plan = services.pattern_preview(pattern=pattern)
    return render(request, "planning/pattern_detail.html", {"pattern": pattern, "plan": plan})


def _pattern_form_page(request, pattern: SchedulePattern | None):
    instance = pattern or SchedulePattern(operator=request.operator)
    form = PatternForm(_posted(request), instance=instance, operator=request.operator)
    if request.method == "POST" and form.is_valid():
        try:
            pattern = services.pattern_save(pattern=form.save(commit=False))
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, "Le rythme est enregistré. Vérifiez les dates ci-dessous, puis générez."
            )
            return redirect("planning:pattern_detail", pattern_id=pattern.pk)
    return _form_page(
        request,
        {
            "title": "Modifier le rythme" if pattern else "Nouveau rythme",
            "intro": "Un rythme crée une permanence chaque semaine, le même jour et aux mêmes "
            "heures, sur une période. Les jours fériés sont toujours sautés."
            + (" Les permanences déjà créées ne changent pas." if pattern else ""),
            "form": form,
            "submit": "Enregistrer et prévisualiser",
            "back_url": reverse("planning:pattern_list"),
        },
        status=400 if form.errors else 200,
    )


@operator_view(*PLANNERS)
def pattern_create(request):
    return _pattern_form_page(request, None)


@operator_view(*PLANNERS)
def pattern_edit(request, pattern_id: int):
    return _pattern_form_page(request, get_scoped_or_404(request, SchedulePattern, pk=pattern_id))


@operator_view(*PLANNERS)
@require_http_methods(["GET", "POST"])
def pattern_generate(request, pattern_id: int):
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site"), pk=pattern_id
    )
    if request.method == "POST":
        try:
            plan = services.pattern_generate(pattern=pattern)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            count = len(plan.to_create)
            messages.success(
                request,
                f"{count} permanence{'s' if count > 1 else ''} créée{'s' if count > 1 else ''}."
                if count
                else "Rien à créer : toutes les permanences de ce rythme existent déjà.",
            )
    return redirect("planning:pattern_detail", pattern_id=pattern.pk)


@operator_view(*PLANNERS)
@require_http_methods(["GET", "POST"])
def pattern_delete(request, pattern_id: int):
    """Confirm first, listing the stops that go and those that stay (detached), then delete."""
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site", "vehicle"), pk=pattern_id
    )
    error = None
    if request.method == "POST":
        name = str(pattern)
        try:
            result = services.pattern_delete(pattern=pattern)
        except ValidationError as refused:
            error = " ".join(refused.messages)
        else:
            deleted, kept = result.deleted, result.detached
            messages.success(
                request,
                f"Le rythme « {name} » est supprimé : {deleted} permanence"
                f"{'s' if deleted > 1 else ''} supprimée{'s' if deleted > 1 else ''}, "
                f"{kept} conservée{'s' if kept > 1 else ''} sans rythme.",
            )
            return redirect("planning:pattern_list")
    plan = services.pattern_delete_preview(pattern=pattern)
    return render(
        request,
        "planning/pattern_delete.html",
        {"pattern": pattern, "plan": plan, "error": error},
        status=400 if error else 200,
    )
