from django.contrib import messages
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from .enums import ALL_ROLES
from .tenancy import SESSION_KEY, memberships_of, operator_view


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
