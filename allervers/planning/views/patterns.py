"""Schedule patterns: a stop every week on the same day and hours; preview, generate, delete."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, form_page
from allervers.core.roles import COORDINATOR_ROLES, PLANNING_READER_ROLES
from allervers.core.tenancy import get_scoped_or_404, operator_view, scoped
from allervers.submissions.tokens import once_per_token

from .. import services
from ..forms import PatternForm, PatternGenerateForm
from ..models import RotaLine, SchedulePattern


def _plural(count: int) -> str:
    return "s" if count > 1 else ""


@operator_view(*PLANNING_READER_ROLES)
def pattern_list(request):
    patterns = (
        scoped(request, SchedulePattern)
        .select_related("site", "vehicle")
        .order_by("-valid_until", "weekday", "start_time")
    )
    return render(request, "planning/pattern_list.html", {"patterns": patterns})


@operator_view(*PLANNING_READER_ROLES)
def pattern_detail(request, pattern_id: int):
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site", "vehicle"), pk=pattern_id
    )
    plan = services.pattern_preview(pattern=pattern)
    lines = list(RotaLine.objects.filter(pattern=pattern).with_people())
    rota = services.rota_preview(pattern=pattern) if lines else None
    context = {
        "pattern": pattern,
        "plan": plan,
        "partner_lines": [line for line in lines if line.partner_id],
        "agent_lines": [line for line in lines if line.user_id],
        "rota": rota,
        "generate_form": PatternGenerateForm(),
        # A partner's person may declare its organisation's weekly presence while it runs.
        "can_declare": request.membership.partner_id is not None
        and pattern.valid_until >= timezone.localdate()
        and not any(line.partner_id == request.membership.partner_id for line in lines),
    }
    return render(request, "planning/pattern_detail.html", context)


def _pattern_form_page(request, pattern: SchedulePattern | None):
    instance = pattern or SchedulePattern(
        operator=request.operator, school_zone=request.operator.school_zone
    )
    form = PatternForm(posted(request), instance=instance, operator=request.operator)
    submission = form_submit(
        request, form, lambda data: services.pattern_save(pattern=form.save(commit=False))
    )
    if submission.done:
        messages.success(
            request, "Le rythme est enregistré. Vérifiez les dates ci-dessous, puis générez."
        )
        return redirect("planning:pattern_detail", pattern_id=submission.result.pk)
    return form_page(
        request,
        form,
        title="Modifier le rythme" if pattern else "Nouveau rythme",
        intro="Un rythme crée une permanence chaque semaine, le même jour et aux mêmes "
        "heures, sur une période. Les jours fériés sont toujours sautés."
        + (" Les permanences déjà créées ne changent pas." if pattern else ""),
        submit="Enregistrer et prévisualiser",
        back_url=reverse("planning:pattern_list"),
    )


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def pattern_create(request):
    return _pattern_form_page(request, None)


@operator_view(*COORDINATOR_ROLES)
def pattern_edit(request, pattern_id: int):
    return _pattern_form_page(request, get_scoped_or_404(request, SchedulePattern, pk=pattern_id))


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def pattern_generate(request, pattern_id: int):
    """Posted from the pattern's page, which shows the outcome as a message."""
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site"), pk=pattern_id
    )
    if request.method == "POST":
        form = PatternGenerateForm(request.POST)
        include_past = form.is_valid() and form.cleaned_data["include_past"]
        try:
            plan = services.pattern_generate(
                pattern=pattern, include_past=include_past, by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            count = len(plan.to_create) + (len(plan.past) if include_past else 0)
            messages.success(
                request,
                f"{count} permanence{_plural(count)} créée{_plural(count)}."
                if count
                else "Rien à créer : toutes les permanences de ce rythme existent déjà.",
            )
    return redirect("planning:pattern_detail", pattern_id=pattern.pk)


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def pattern_delete(request, pattern_id: int):
    """Confirm first, listing the stops that go and those that stay (detached), then delete."""
    pattern = get_scoped_or_404(
        request, SchedulePattern.objects.select_related("site", "vehicle"), pk=pattern_id
    )
    name = str(pattern)
    form = ConfirmForm(posted(request))
    submission = form_submit(request, form, lambda data: services.pattern_delete(pattern=pattern))
    if submission.done:
        deleted, kept = submission.result.deleted, submission.result.detached
        messages.success(
            request,
            f"Le rythme « {name} » est supprimé : {deleted} permanence{_plural(deleted)} "
            f"supprimée{_plural(deleted)}, {kept} conservée{_plural(kept)} sans rythme.",
        )
        return redirect("planning:pattern_list")
    plan = services.pattern_delete_preview(pattern=pattern)
    return render_form(
        request,
        "planning/pattern_delete.html",
        {"pattern": pattern, "plan": plan, "form": form},
    )
