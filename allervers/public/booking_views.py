"""The residents' booking pages: book an appointment or a workshop seat, and manage a booking
through its signed link (no account). Not cached: they read and write one booking.

(The pages are built by issue 13's public booking work; `booking_manage` is the address the
messages link to.)"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse

from allervers.bookings.links import LinkRefused, booking_from_token


@login_not_required
def booking_manage(request: HttpRequest, token: str) -> HttpResponse:
    try:
        booking = booking_from_token(token)
    except LinkRefused as refusal:
        return HttpResponse(refusal.message, status=404, content_type="text/plain; charset=utf-8")
    return HttpResponse(str(booking), content_type="text/plain; charset=utf-8")
