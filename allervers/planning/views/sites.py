"""Sites: where the bus parks. Archived, never deleted."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page
from allervers.core.roles import COORDINATOR_ROLES, PLANNING_READER_ROLES
from allervers.core.tenancy import get_scoped_or_404, operator_view, scoped
from allervers.submissions.tokens import once_per_token

from .. import services
from ..forms import SiteForm
from ..geocoding import get_geocoder
from ..models import Site


@operator_view(*PLANNING_READER_ROLES)
def site_list(request):
    sites = scoped(request, Site).order_by("is_archived", "name")
    return render(request, "planning/site_list.html", {"sites": sites})


@operator_view(*PLANNING_READER_ROLES)
def site_detail(request, site_id: int):
    site = get_scoped_or_404(request, Site, pk=site_id)
    today = timezone.localdate()
    next_stops = list(site.stops.held().upcoming(today).select_related("site")[:5])
    return render(request, "planning/site_detail.html", {"site": site, "next_stops": next_stops})


def _geocode_into(request, form: SiteForm) -> None:
    """Look up the coordinates of the posted address and put them in `form` (nothing saved)."""
    address = ", ".join(
        part
        for part in (request.POST.get(name, "").strip() for name in ("address", "postcode", "city"))
        if part
    )
    place = get_geocoder().geocode(address) if address else None
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


def _site_form_page(request, site: Site | None):
    instance = site or Site(operator=request.operator)
    if request.method == "POST" and request.POST.get("action") == "geocode":
        # Show the form again with the coordinates found, nothing saved yet.
        form = SiteForm(instance=instance, initial=request.POST.dict())
        _geocode_into(request, form)
    else:
        form = SiteForm(posted(request), instance=instance)
        submission = form_submit(
            request, form, lambda data: services.site_save(site=form.save(commit=False))
        )
        if submission.done:
            messages.success(request, "Le lieu est enregistré.")
            return redirect("planning:site_detail", site_id=submission.result.pk)
    return render_form(
        request,
        "planning/site_form.html",
        {
            "form": form,
            "site": site,
            "geocoder_available": getattr(get_geocoder(), "available", True),
        },
    )


@operator_view(*COORDINATOR_ROLES)
@once_per_token
def site_create(request):
    return _site_form_page(request, None)


@operator_view(*COORDINATOR_ROLES)
def site_edit(request, site_id: int):
    return _site_form_page(request, get_scoped_or_404(request, Site, pk=site_id))


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def site_archive(request, site_id: int):
    site = get_scoped_or_404(request, Site, pk=site_id)
    form = ConfirmForm(posted(request))
    if form_submit(
        request,
        form,
        lambda data: services.site_archive(site=site, archived=not site.is_archived),
    ).done:
        messages.success(
            request,
            "Le lieu est archivé : il n'est plus proposé pour de nouvelles permanences."
            if site.is_archived
            else "Le lieu est de nouveau en service.",
        )
        return redirect("planning:site_detail", site_id=site.pk)
    return confirm_page(
        request,
        form,
        title=f"{'Remettre en service' if site.is_archived else 'Archiver'} « {site.name} »",
        intro="Un lieu n'est jamais supprimé : ses permanences passées le gardent. "
        "Archivé, il n'est plus proposé pour de nouvelles permanences.",
        submit="Remettre en service" if site.is_archived else "Archiver le lieu",
        back_url=reverse("planning:site_detail", kwargs={"site_id": site.pk}),
    )
