from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from . import services
from .enums import ALL_ROLES, Role
from .forms import MemberForm, MembershipForm, OperatorSettingsForm
from .models import Membership
from .tenancy import SESSION_KEY, get_scoped_or_404, memberships_of, operator_view, scoped


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


@operator_view(Role.COORDINATOR)
def operator_settings(request):
    """The structure's own details: name, contacts, SIRET, sites allowed to show the widget."""
    operator = request.operator
    form = OperatorSettingsForm(request.POST or None, instance=operator)
    if request.method == "POST" and form.is_valid():
        try:
            services.operator_update(operator=operator, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Les réglages de la structure sont enregistrés.")
            return redirect("operators:settings")
    if form.errors:
        operator.refresh_from_db()  # the header shows the saved name, not the refused one
    return render(
        request,
        "operators/settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@operator_view(Role.COORDINATOR)
def member_list(request):
    memberships = (
        scoped(request, Membership)
        .select_related("user", "partner")
        .order_by("-is_active", "role", "user__last_name", "user__first_name")
    )
    return render(request, "operators/member_list.html", {"memberships": memberships})


@operator_view(Role.COORDINATOR)
def member_add(request):
    form = MemberForm(request.POST or None, operator=request.operator)
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.member_invite(
                operator=request.operator, invited_by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{membership.user.get_full_name()} fait partie de l'équipe. "
                "Un message lui a été envoyé.",
            )
            return redirect("operators:member_list")
    return render(
        request,
        "operators/member_form.html",
        {"form": form, "title": "Ajouter une personne à l'équipe"},
        status=400 if form.errors else 200,
    )


@operator_view(Role.COORDINATOR)
def member_edit(request, membership_id: int):
    membership = get_scoped_or_404(
        request, Membership.objects.select_related("user", "partner"), pk=membership_id
    )
    initial = {
        "role": membership.role,
        "partner": membership.partner,
        "is_active": membership.is_active,
    }
    form = MembershipForm(request.POST or None, initial=initial, operator=request.operator)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(membership=membership, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, f"Les droits de {membership.user.get_full_name()} sont à jour."
            )
            return redirect("operators:member_list")
    return render(
        request,
        "operators/member_form.html",
        {
            "form": form,
            "membership": membership,
            "title": f"Droits de {membership.user.get_full_name() or membership.user.username}",
        },
        status=400 if form.errors else 200,
    )
