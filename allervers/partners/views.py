"""The coordinator's partner screens: list, add, edit, archive, invite a partner's staff."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted
from allervers.core.pages import ConfirmForm, confirm_page, form_page
from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import get_scoped_or_404, operator_view
from allervers.submissions.tokens import once_per_token

from . import queries, services
from .forms import PartnerForm, PartnerMemberForm
from .models import Partner


@operator_view(*COORDINATOR_ROLES)
def partner_list(request):
    partners = queries.partner_list(request.operator)
    return render(request, "partners/partner_list.html", {"partners": partners})


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def partner_detail(request, partner_id: int):
    partner = get_scoped_or_404(request, Partner, pk=partner_id)
    context = {
        "partner": partner,
        "logins": queries.partner_logins(partner),
        "invite_form": PartnerMemberForm(operator=request.operator),
    }
    return render(request, "partners/partner_detail.html", context)


def _partner_form_page(request, partner: Partner | None):
    form = PartnerForm(posted(request), instance=partner or Partner(operator=request.operator))
    submission = form_submit(
        request, form, lambda data: services.partner_save(partner=form.save(commit=False))
    )
    if submission.done:
        messages.success(request, f"Le partenaire « {submission.result.name} » est enregistré.")
        return redirect("partners:detail", partner_id=submission.result.pk)
    if partner is not None and form.errors:
        partner.refresh_from_db()  # the title shows the saved name, not the refused one
    title = f"Modifier « {partner.name} »" if partner else "Nouveau partenaire"
    back = (
        reverse("partners:detail", kwargs={"partner_id": partner.pk})
        if partner
        else reverse("partners:list")
    )
    return form_page(request, form, title=title, submit="Enregistrer le partenaire", back_url=back)


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def partner_create(request):
    return _partner_form_page(request, None)


@operator_view(*COORDINATOR_ROLES)
def partner_edit(request, partner_id: int):
    return _partner_form_page(request, get_scoped_or_404(request, Partner, pk=partner_id))


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def partner_archive(request, partner_id: int):
    partner = get_scoped_or_404(request, Partner, pk=partner_id)
    form = ConfirmForm(posted(request))
    archiving = not partner.is_archived
    if form_submit(
        request, form, lambda data: services.partner_archive(partner=partner, archived=archiving)
    ).done:
        messages.success(
            request,
            "Le partenaire est archivé : il n'est plus proposé sur les permanences ni sur la "
            "page publique. Son historique est gardé."
            if archiving
            else "Le partenaire est de nouveau en service.",
        )
        return redirect("partners:detail", partner_id=partner.pk)
    return confirm_page(
        request,
        form,
        title=f"{'Archiver' if archiving else 'Remettre en service'} « {partner.name} »",
        intro="Un partenaire n'est jamais supprimé : ses présences, les visites et les "
        "orientations passées le gardent. Archivé, il n'est plus proposé sur les permanences ni "
        "montré sur la page publique ; ses accès restent tels quels.",
        submit="Archiver le partenaire" if archiving else "Remettre en service",
        back_url=reverse("partners:detail", kwargs={"partner_id": partner.pk}),
    )


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
@once_per_token
def partner_invite(request, partner_id: int):
    partner = get_scoped_or_404(request, Partner, pk=partner_id)
    form = PartnerMemberForm(posted(request), operator=request.operator)
    submission = form_submit(
        request,
        form,
        lambda data: services.partner_member_invite(
            partner=partner, invited_by=request.user, request=request, **data
        ),
    )
    if submission.done:
        name = submission.result.user.get_full_name() or submission.result.user.email
        if submission.result.awaiting_acceptance:
            messages.success(
                request,
                f"{name} a déjà un compte Allervers : une invitation lui est envoyée. Elle "
                f"aura accès pour {partner.name} quand elle l'aura acceptée.",
            )
        else:
            messages.success(
                request,
                f"{name} a maintenant un accès pour {partner.name}. Un message lui a été envoyé.",
            )
        return redirect("partners:detail", partner_id=partner.pk)
    return form_page(
        request,
        form,
        title=f"Donner un accès — {partner.name}",
        submit="Envoyer l'invitation",
        back_url=reverse("partners:detail", kwargs={"partner_id": partner.pk}),
    )
