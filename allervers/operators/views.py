from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from allervers.accesslog.enums import Action
from allervers.accesslog.services import logged, membership_action, membership_detail
from allervers.core.form_views import form_submit, posted, render_form
from allervers.submissions.tokens import once_per_token

from . import services
from .enums import ALL_ROLES, COORDINATOR_ROLES
from .forms import MemberForm, MembershipForm, OperatorSettingsForm
from .models import Membership
from .queries import team
from .tenancy import SESSION_KEY, get_scoped_or_404, memberships_of, operator_view


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
        lambda data: logged(
            request,
            Action.MEMBERSHIP_CREATED,
            lambda: services.member_invite(
                operator=request.operator, invited_by=request.user, **data
            ),
            detail=membership_detail,
        ),
    )
    if submission.done:
        messages.success(
            request,
            f"{submission.result.user.get_full_name()} fait partie de l'équipe. "
            "Un message lui a été envoyé.",
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
        lambda data: logged(
            request,
            membership_action(membership, is_active=data["is_active"]),
            lambda: services.membership_update(membership=membership, **data),
            detail=membership_detail,
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
            "title": f"Droits de {membership.user.get_full_name() or membership.user.email}",
        },
    )
