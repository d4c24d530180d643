"""« État du service »: the coordinator sees whether the messages of her structure leave."""

from django.shortcuts import render

from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import operator_view

from . import queries


def minutes(delta) -> int | None:
    return None if delta is None else int(delta.total_seconds() // 60)


@operator_view(*COORDINATOR_ROLES)
def service_state(request):
    state = queries.service_state(operator=request.operator)
    return render(
        request,
        "worker/service_state.html",
        {"state": state, "oldest_minutes": minutes(state.oldest_waiting)},
    )
