"""A pattern's rota: the partners and agents who come with it, applied to its stops from today
on after a preview (what changes, which exceptions set by hand are kept)."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page, form_page
from allervers.core.roles import COORDINATOR_ROLES, Role
from allervers.core.tenancy import get_scoped_or_404, operator_view
from allervers.submissions.tokens import once_per_token

from .. import services
from ..forms import PatternCopyForm, RotaAgentForm, RotaDeclareForm, RotaPartnerForm
from ..models import RotaLine, SchedulePattern


def _pattern_url(pattern: SchedulePattern) -> str:
    return reverse("planning:pattern_detail", kwargs={"pattern_id": pattern.pk})


def _line_form_page(request, pattern: SchedulePattern, line: RotaLine | None, form_class):
    instance = line or RotaLine(operator=request.operator, pattern=pattern)
    form = form_class(posted(request), instance=instance, pattern=pattern)
    submission = form_submit(
        request, form, lambda data: services.rota_line_save(line=form.save(commit=False))
    )
    if submission.done:
        messages.success(
            request,
            f"{submission.result.who} est dans l'équipe du rythme. Vérifiez l'aperçu, puis "
            "appliquez aux permanences à venir.",
        )
        return redirect("planning:pattern_detail", pattern_id=pattern.pk)
    is_partner = form_class is RotaPartnerForm
    if line:
        title = f"Modifier {line.who} dans l'équipe du rythme"
    else:
        title = "Ajouter un partenaire au rythme" if is_partner else "Ajouter un agent au rythme"
    return form_page(
        request,
        form,
        title=title,
        intro=f"{pattern} : chaque {pattern.get_weekday_display()} de "
        f"{pattern.start_time:%H:%M} à {pattern.end_time:%H:%M}, du "
        f"{pattern.valid_from:%d/%m/%Y} au {pattern.valid_until:%d/%m/%Y}.",
        submit="Enregistrer",
        back_url=_pattern_url(pattern),
    )


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def rota_partner_add(request, pattern_id: int):
    pattern = get_scoped_or_404(request, SchedulePattern, pk=pattern_id)
    return _line_form_page(request, pattern, None, RotaPartnerForm)


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def rota_agent_add(request, pattern_id: int):
    pattern = get_scoped_or_404(request, SchedulePattern, pk=pattern_id)
    return _line_form_page(request, pattern, None, RotaAgentForm)


@operator_view(*COORDINATOR_ROLES)
def rota_line_edit(request, line_id: int):
    line = get_scoped_or_404(
        request, RotaLine.objects.select_related("pattern", "partner", "user"), pk=line_id
    )
    form_class = RotaPartnerForm if line.partner_id else RotaAgentForm
    return _line_form_page(request, line.pattern, line, form_class)


def _plan_page(request, form, *, pattern, plan, title, intro, submit):
    context = {
        "form": form,
        "pattern": pattern,
        "plan": plan,
        "title": title,
        "intro": intro,
        "submit": submit,
        "back_url": _pattern_url(pattern),
    }
    return render_form(request, "planning/rota_plan.html", context)


def _done(plan: services.RotaPlan) -> str:
    count = plan.stops_changed
    kept = len(plan.kept)
    return (
        f"{count} permanence{'s' if count > 1 else ''} mise{'s' if count > 1 else ''} à jour"
        f", {kept} exception{'s' if kept > 1 else ''} gardée{'s' if kept > 1 else ''}."
    )


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def rota_apply(request, pattern_id: int):
    """The preview (GET), then the rota applied to the pattern's stops from today on (POST)."""
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site"), pk=pattern_id
    )
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request, form, lambda data: services.rota_apply(pattern=pattern, by=request.user)
    )
    if submission.done:
        messages.success(request, "L'équipe du rythme est appliquée : " + _done(submission.result))
        return redirect("planning:pattern_detail", pattern_id=pattern.pk)
    return _plan_page(
        request,
        form,
        pattern=pattern,
        plan=services.rota_preview(pattern=pattern),
        title=f"Appliquer l'équipe du rythme « {pattern} »",
        intro="Les permanences à venir de ce rythme reçoivent son équipe. Ce qui a été réglé "
        "à la main sur une permanence est gardé ; les permanences passées ne changent pas.",
        submit="Appliquer aux permanences à venir",
    )


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def rota_line_remove(request, line_id: int):
    line = get_scoped_or_404(
        request, RotaLine.objects.select_related("pattern", "partner", "user"), pk=line_id
    )
    pattern, who = line.pattern, line.who
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request, form, lambda data: services.rota_line_remove(line=line, by=request.user)
    )
    if submission.done:
        messages.success(
            request, f"{who} n'est plus dans l'équipe du rythme : " + _done(submission.result)
        )
        return redirect("planning:pattern_detail", pattern_id=pattern.pk)
    return _plan_page(
        request,
        form,
        pattern=pattern,
        plan=services.rota_line_remove_preview(line=line),
        title=f"Retirer {who} de l'équipe du rythme",
        intro="Retiré des permanences à venir de ce rythme ; les permanences passées, et celles "
        "déjà utilisées (rendez-vous, visites), le gardent.",
        submit="Retirer de l'équipe",
    )


@operator_view(Role.PARTNER)
@once_per_token
def rota_declare(request, pattern_id: int):
    """A partner's person: « nous venons chaque semaine avec ce rythme »."""
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site"), pk=pattern_id
    )
    form = RotaDeclareForm(posted(request), pattern=pattern)
    submission = form_submit(
        request,
        form,
        lambda data: services.rota_line_declare(
            pattern=pattern,
            acting=request.membership,
            start_time=data["start_time"],
            end_time=data["end_time"],
        ),
    )
    if submission.done:
        messages.success(
            request,
            "Votre présence régulière est inscrite sur les permanences à venir de ce rythme."
            if submission.result.approved
            else "Votre présence régulière est envoyée : la coordination l'accepte d'abord "
            "(elle est prévenue).",
        )
        return redirect("planning:pattern_detail", pattern_id=pattern.pk)
    return form_page(
        request,
        form,
        title=f"Venir chaque {pattern.get_weekday_display()} avec ce rythme",
        intro=f"{pattern} : de {pattern.start_time:%H:%M} à {pattern.end_time:%H:%M}, du "
        f"{pattern.valid_from:%d/%m/%Y} au {pattern.valid_until:%d/%m/%Y}, "
        f"{pattern.site.name}.",
        submit="Déclarer notre présence régulière",
        back_url=_pattern_url(pattern),
    )


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def rota_line_approve(request, line_id: int):
    line = get_scoped_or_404(
        request, RotaLine.objects.select_related("pattern", "partner"), pk=line_id
    )
    pattern = line.pattern
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request, form, lambda data: services.rota_line_approve(line=line, by=request.user)
    )
    if submission.done:
        messages.success(
            request,
            f"{line.partner.name} est dans l'équipe du rythme et sur ses permanences à venir.",
        )
        return redirect("planning:pattern_detail", pattern_id=pattern.pk)
    return confirm_page(
        request,
        form,
        title=f"Accepter la présence régulière de {line.partner.name}",
        intro=f"{pattern}, {line.hours_label} : ajouté aux permanences à venir de ce rythme "
        "(ce qui a été réglé à la main sur une permanence est gardé).",
        submit="Accepter",
        back_url=_pattern_url(pattern),
    )


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def patterns_copy(request):
    """Copy forward (school year → summer → next school year): the form (GET), its preview
    (GET with the dates: each pattern with its team, or why it is not copied), then the copy
    (POST). Each copy's page then previews its dates, to generate."""
    data = request.POST if request.method == "POST" else (request.GET or None)
    form = PatternCopyForm(data)
    submission = form_submit(
        request,
        form,
        lambda data: services.patterns_copy(operator=request.operator, **data),
    )
    if submission.done:
        copied = [plan for plan in submission.result if plan.copy]
        messages.success(
            request,
            f"{len(copied)} rythme{'s' if len(copied) > 1 else ''} copié"
            f"{'s' if len(copied) > 1 else ''} avec leur équipe : ouvrez chacun pour créer "
            "ses permanences.",
        )
        return redirect("planning:pattern_list")
    plans = None
    if request.method == "GET" and form.is_bound and form.is_valid():
        plans = services.patterns_copy_preview(operator=request.operator, **form.cleaned_data)
    return render_form(
        request,
        "planning/patterns_copy.html",
        {"form": form, "plans": plans, "back_url": reverse("planning:pattern_list")},
    )
