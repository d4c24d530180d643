from django import forms
from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from allervers.accesslog.enums import Action
from allervers.accesslog.services import record
from allervers.accounts import second_factor
from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.roles import ALL_ROLES, COORDINATOR_ROLES
from allervers.core.tenancy import SESSION_KEY, get_scoped_or_404, memberships_of, operator_view
from allervers.submissions.tokens import once_per_token

from . import services
from .forms import InvitationAnswerForm, MemberForm, MembershipForm, OperatorSettingsForm
from .models import Membership
from .queries import pending_invitations, team

REFUSED_RESET = "refusée : compte d'une autre structure ou de la plateforme"


@operator_view(*ALL_ROLES)
def operator_switch(request):
    """Make another of the user's operators the current one."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    wanted = request.POST.get("operator", "")
    membership = next(
        (m for m in memberships_of(request.user) if str(m.operator_id) == wanted), None
    )
    if membership is None:
        messages.error(request, "Vous n'êtes pas membre de cette structure.")
    else:
        request.session[SESSION_KEY] = membership.operator_id
        messages.success(request, f"Vous travaillez maintenant pour : {membership.operator}.")
    next_url = request.POST.get("next", "")
    # A path of this site only: redirect() would read anything else as a URL name ("abc": 500).
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}
    ):
        return HttpResponseRedirect(next_url)
    return redirect("home")


@operator_view(*COORDINATOR_ROLES)
def operator_settings(request):
    """The structure's own details: name, contacts, SIRET, sites allowed to show the widget."""
    operator = request.operator
    form = OperatorSettingsForm(posted(request), instance=operator)
    submission = form_submit(
        request, form, lambda data: services.operator_update(operator=operator, **data)
    )
    if submission.done:
        messages.success(request, "Les réglages de la structure sont enregistrés.")
        return redirect("operators:settings")
    if form.errors:
        operator.refresh_from_db()  # the header shows the saved name, not the refused one
    return render_form(request, "operators/settings.html", {"form": form})


@operator_view(*COORDINATOR_ROLES)
def member_list(request):
    return render(request, "operators/member_list.html", {"memberships": team(request.operator)})


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def member_add(request):
    form = MemberForm(posted(request), operator=request.operator)
    submission = form_submit(
        request,
        form,
        lambda data: services.member_invite(
            operator=request.operator, invited_by=request.user, request=request, **data
        ),
    )
    if submission.done:
        name = submission.result.user.get_full_name() or submission.result.user.email
        if submission.result.awaiting_acceptance:
            messages.success(
                request,
                f"{name} a déjà un compte Allervers : une invitation lui est envoyée. "
                "Elle aura accès à la structure quand elle l'aura acceptée.",
            )
        else:
            messages.success(
                request, f"{name} fait partie de l'équipe. Un message lui a été envoyé."
            )
        return redirect("operators:member_list")
    return render_form(
        request,
        "operators/member_form.html",
        {"form": form, "title": "Ajouter une personne à l'équipe"},
    )


@operator_view(*COORDINATOR_ROLES)
def member_edit(request, membership_id: int):
    membership = get_scoped_or_404(
        request, Membership.objects.select_related("user", "partner"), pk=membership_id
    )
    initial = {
        "role": membership.role,
        "partner": membership.partner,
        "is_active": membership.is_active,
    }
    form = MembershipForm(posted(request), initial=initial, operator=request.operator)
    submission = form_submit(
        request,
        form,
        lambda data: services.membership_update(
            membership=membership, by=request.user, request=request, **data
        ),
    )
    if submission.done:
        messages.success(request, f"Les droits de {membership.user.get_full_name()} sont à jour.")
        return redirect("operators:member_list")
    return render_form(
        request,
        "operators/member_form.html",
        {
            "form": form,
            "membership": membership,
            "has_second_factor": second_factor.has_second_factor(membership.user),
            "second_factor_refusal": services.second_factor_reset_refusal(membership),
            "title": f"Droits de {membership.user.get_full_name() or membership.user.email}",
        },
    )


@operator_view(*COORDINATOR_ROLES)
def member_second_factor_reset(request, membership_id: int):
    """A member lost their telephone: after a confirmation, their second factor is removed, all
    their sessions end, and they set it up again at their next login."""
    membership = get_scoped_or_404(
        request, Membership.objects.select_related("user"), pk=membership_id
    )
    refusal = services.second_factor_reset_refusal(membership)
    form = forms.Form(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: services.member_second_factor_reset(
            membership=membership, by=request.user, request=request
        ),
    )
    if form.errors and refusal:
        # A refused attempt on an account that is not this structure's alone is journaled.
        record(request, Action.SECOND_FACTOR_RESET, membership, detail=REFUSED_RESET)
    name = membership.user.get_full_name() or membership.user.email
    if submission.done:
        messages.success(
            request,
            f"La double authentification de {name} est réinitialisée : ses sessions sont "
            "fermées, et elle sera de nouveau activée à sa prochaine connexion.",
        )
        return redirect("operators:member_list")
    return render_form(
        request,
        "operators/member_second_factor_reset.html",
        {
            "form": form,
            "membership": membership,
            "name": name,
            "has_second_factor": second_factor.has_second_factor(membership.user),
            "refusal": refusal,
        },
    )


@operator_view(*COORDINATOR_ROLES)
def member_invitation_resend(request, membership_id: int):
    """« Renvoyer l'invitation »: a fresh e-mail (and link) for a member who has not chosen a
    password yet or not answered; a double click sends one."""
    membership = get_scoped_or_404(
        request, Membership.objects.select_related("user"), pk=membership_id
    )
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = forms.Form(request.POST)
    submission = form_submit(
        request,
        form,
        lambda data: services.invitation_resend(
            membership=membership, by=request.user, request=request
        ),
    )
    name = membership.user.get_full_name() or membership.user.email
    if submission.done and submission.result:
        messages.success(request, f"L'invitation de {name} est renvoyée.")
    elif form.errors:
        for error in form.non_field_errors():
            messages.error(request, error)
    else:
        messages.info(request, f"L'invitation de {name} vient déjà d'être renvoyée.")
    return redirect("operators:member_edit", membership_id=membership.pk)


# The invited person's answer (not an operator view: she may belong to no structure yet) ----------


def invitation_list(request):
    """The invitations waiting for the logged-in person's answer."""
    return render(
        request,
        "operators/invitation_list.html",
        {"invitations": pending_invitations(request.user), "form": InvitationAnswerForm()},
    )


def invitation_answer(request, membership_id: int):
    """Accept or decline one invitation; only its addressee, only once (else a French message
    and nothing changed)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = InvitationAnswerForm(request.POST)
    submission = form_submit(
        request,
        form,
        lambda data: services.membership_answer(
            membership_id=membership_id,
            user=request.user,
            accept=data["answer"] == "accepter",
            request=request,
        ),
    )
    if submission.done:
        membership = submission.result
        if membership.is_active:
            request.session[SESSION_KEY] = membership.operator_id
            messages.success(
                request, f"Vous faites maintenant partie de l'équipe de {membership.operator}."
            )
            return redirect("home")
        messages.success(request, f"Vous avez refusé l'invitation de {membership.operator}.")
        return redirect("invitations:list")
    return render_form(
        request,
        "operators/invitation_list.html",
        {"invitations": pending_invitations(request.user), "form": form},
    )
