"""Vehicles and their spaces: the coordinator sets up the bus (under /structure/vehicules/).
Archived, never deleted: past stops keep their vehicle."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page
from allervers.core.roles import COORDINATOR_ROLES
from allervers.core.tenancy import get_scoped_or_404, operator_view
from allervers.submissions.tokens import once_per_token

from .. import services
from ..forms import VehicleForm
from ..models import Vehicle
from ..queries import vehicles_with_spaces


@operator_view(*COORDINATOR_ROLES)
def vehicle_list(request):
    vehicles = vehicles_with_spaces(request.operator)
    return render(request, "planning/vehicle_list.html", {"vehicles": vehicles})


def _save(vehicle: Vehicle, form: VehicleForm) -> Vehicle:
    arguments = form.service_arguments()
    spaces = arguments.pop("spaces")
    for name, value in arguments.items():
        setattr(vehicle, name, value)
    return services.vehicle_save(vehicle=vehicle, spaces=spaces)


def _vehicle_form_page(request, vehicle: Vehicle | None):
    form = VehicleForm(posted(request), vehicle=vehicle)
    target = vehicle or Vehicle(operator=request.operator)
    submission = form_submit(request, form, lambda data: _save(target, form))
    if submission.done:
        messages.success(request, f"Le véhicule « {submission.result.name} » est enregistré.")
        return redirect("vehicles:list")
    if vehicle is not None and form.errors:
        vehicle.refresh_from_db()  # the title shows the saved name, not the refused one
    return render_form(request, "planning/vehicle_form.html", {"form": form, "vehicle": vehicle})


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def vehicle_create(request):
    return _vehicle_form_page(request, None)


@operator_view(*COORDINATOR_ROLES)
def vehicle_edit(request, vehicle_id: int):
    return _vehicle_form_page(request, get_scoped_or_404(request, Vehicle, pk=vehicle_id))


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def vehicle_archive(request, vehicle_id: int):
    vehicle = get_scoped_or_404(request, Vehicle, pk=vehicle_id)
    archiving = not vehicle.is_archived
    form = ConfirmForm(posted(request))
    if form_submit(
        request, form, lambda data: services.vehicle_archive(vehicle=vehicle, archived=archiving)
    ).done:
        messages.success(
            request,
            "Le véhicule est archivé : il n'est plus proposé pour de nouvelles permanences."
            if archiving
            else "Le véhicule est de nouveau en service.",
        )
        return redirect("vehicles:list")
    return confirm_page(
        request,
        form,
        title=f"{'Archiver' if archiving else 'Remettre en service'} « {vehicle.name} »",
        intro="Un véhicule n'est jamais supprimé : ses permanences passées le gardent. "
        "Archivé, il n'est plus proposé pour de nouvelles permanences ni montré sur la page "
        "publique.",
        submit="Archiver le véhicule" if archiving else "Remettre en service",
        back_url=reverse("vehicles:list"),
    )
