"""The residents' booking pages: book an appointment or a workshop seat, and manage a booking
through its signed link (no account). Not cached: they read and write one booking.

(The pages are built by issue 13's public booking work; `booking_manage` is the address the
messages link to.)"""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse

from allervers.bookings.links import LinkRefused, booking_from_token
from allervers.bookings.models import Workshop


@login_not_required
def booking_manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        booking = booking_from_token(token)
    except LinkRefused as refusal:
        return HttpResponse(refusal.message, status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(str(booking), content_type="text/plain; charset=utf-8")


@login_not_required
def workshop_page(request: HttpRequest, operator_slug: str, workshop_id: int) -> HttpResponse:
    """A workshop's page (placeholder: the public booking work builds the registration form)."""
    workshop = (
        Workshop.objects.select_related("stop__site")
        .filter(pk=workshop_id, operator__slug=operator_slug)
        .first()
    )
    if workshop is None:
        raise Http404("Cet atelier n'existe pas.")
    return HttpResponse(
        f"{workshop.title} — {workshop.stop.slot_label}", content_type="text/plain; charset=utf-8"
    )
