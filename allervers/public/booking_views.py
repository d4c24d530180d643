"""The residents' booking pages: book an appointment or a workshop seat, and manage a booking
through its signed link (no account). Every step is a plain HTML form: they work without
JavaScript.

Not cached, unlike the other public pages: they are made for each request, carry a CSRF token
and a one-time submission token (`@once_per_token`: a double submission never books twice),
and are sent with `Cache-Control: no-store`. Their guards:

- `booking_page`: anonymous, the operator from the address's slug (unknown: the residents'
  French 404), `Http404("<French sentence>")` answered by that 404;
- `booking_link_page`: anonymous, the booking from its signed link; a forged or altered link
  is a French 404, a link whose date is past a French page answered 410 Gone.

The CSP nonce comes from the request (`csp` context processor), as in every page rendered with
it. The booking POSTs are throttled per IP address and per phone number (booking_throttle.py,
a French 429 page).

The appointment: 1) `booking_start` — what for: a partner (or the bus team) or a request theme;
2) `booking_stops` — which stop; 3) `booking_slot` — which slot, and who to reach, then
`appointments.appointment_book`; 4) `booking_confirmed` — the confirmation page of the link."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_http_methods

from allervers.bookings.enums import AppointmentStatus, RegistrationStatus
from allervers.bookings.links import (
    LinkRefused,
    booking_from_short_code,
    booking_from_token,
    booking_token,
    booking_url,
)
from allervers.bookings.models import Appointment, AppointmentOpening, Registration
from allervers.bookings.phones import shown_phone
from allervers.bookings.services import appointments, workshops
from allervers.bookings.times import local_moment
from allervers.core.form_views import INVALID_FORM_STATUS, add_service_error, posted
from allervers.operators.models import Operator
from allervers.planning.enums import StopStatus
from allervers.planning.models import Stop
from allervers.submissions.tokens import once_per_token

from . import booking_queries as queries
from . import booking_throttle
from .booking_forms import AppointmentForm, MoveForm, WorkshopForm, slot_value
from .decorators import GONE, NO_SUCH_PAGE, not_found_page
from .queries import day_fr, hours_fr, operator_by_slug

NO_PURPOSE = "Choisissez avec qui vous voulez un rendez-vous, ou pour quoi."
UNKNOWN_PURPOSE = "Ce choix n'existe pas. Choisissez dans la liste."
NO_STOP = "Choisissez un jour et un lieu dans la liste."
UNKNOWN_STOP = "Ce passage du bus n'existe pas."
UNKNOWN_WORKSHOP = "Cet atelier n'existe pas."
TOO_MANY_TITLE = "Trop de demandes"
TOO_MANY = (
    "Vous avez fait beaucoup de réservations aujourd'hui. Pour votre sécurité, il faut "
    "attendre demain. Vous pouvez aussi appeler le bus."
)
EXPIRED_STATUS = 410
MOVED = "Votre rendez-vous est déplacé. Gardez ce nouveau lien : l'ancien ne marche plus."
CANCELLED = "C'est annulé. Merci de nous avoir prévenus."


# --- guards ------------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """Never stored by a browser or a proxy: the pages hold tokens and personal details."""
    add_never_cache_headers(response)
    response["Cache-Control"] += ", private"
    return response


def booking_page(view: Callable) -> Callable:
    """Guard of a booking page under an operator's address: `view(request, operator, **url)`."""

    @wraps(view)
    def wrapper(request: HttpRequest, operator_slug: str, **kwargs) -> HttpResponse:
        operator = operator_by_slug(operator_slug)
        if operator is None:
            return _private(not_found_page(request, GONE))
        try:
            response = view(request, operator, **kwargs)
        except Http404 as error:
            response = not_found_page(request, str(error) or NO_SUCH_PAGE, operator)
        return _private(response)

    return login_not_required(require_http_methods(["GET", "HEAD", "POST"])(wrapper))


def booking_link_page(view: Callable) -> Callable:
    """Guard of a page of one booking, found from its signed link: `view(request, booking)`."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str) -> HttpResponse:
        try:
            booking = booking_from_token(token)
        except LinkRefused as refusal:
            return _private(link_refused_page(request, refusal))
        return _private(view(request, booking))

    return login_not_required(require_http_methods(["GET", "HEAD", "POST"])(wrapper))


@login_not_required
@require_http_methods(["GET", "HEAD"])
def booking_short(request: HttpRequest, code: str) -> HttpResponse:
    """An SMS's short link: on to the booking's page (its signed link)."""
    try:
        booking = booking_from_short_code(code)
    except LinkRefused as refusal:
        return _private(link_refused_page(request, refusal))
    return _private(redirect("public:booking_manage", token=booking_token(booking)))


def link_refused_page(request: HttpRequest, refusal: LinkRefused) -> HttpResponse:
    """A forged link: 404; a link whose date is past: 410 (the page existed, it is gone)."""
    title = "Rendez-vous passé" if refusal.expired else "Lien non valable"
    return render(
        request,
        "public/booking/link_refused.html",
        {"operator": None, "title": title, "message": refusal.message},
        status=EXPIRED_STATUS if refusal.expired else 404,
    )


def too_many_page(request: HttpRequest, operator: Operator | None) -> HttpResponse:
    return render(
        request,
        "public/booking/too_many.html",
        {"operator": operator, "title": TOO_MANY_TITLE, "message": TOO_MANY},
        status=429,
    )


def _page(request, template: str, context: dict, *, invalid: bool = False) -> HttpResponse:
    return render(
        request,
        f"public/booking/{template}",
        context,
        status=INVALID_FORM_STATUS if invalid else 200,
    )


# --- 1) what for -----------------------------------------------------------------------------


def _purposes(operator: Operator, found) -> dict:
    partners, themes = queries.purpose_choices(operator, found)
    return {"partner_choices": partners, "theme_choices": themes}


@booking_page
def booking_start(request: HttpRequest, operator: Operator) -> HttpResponse:
    found = queries.bookable(operator)
    return _start_page(request, operator, found)


def _start_page(request, operator, found, *, error: str = "") -> HttpResponse:
    context = {"operator": operator, "error": error, **_purposes(operator, found)}
    return _page(request, "start.html", context, invalid=bool(error))


def _purpose(request: HttpRequest, operator: Operator) -> queries.Purpose | None:
    """The purpose in the address (`pour`), None when absent; an unknown one: 404."""
    value = request.GET.get("pour", "")
    if not value:
        return None
    purpose = queries.purpose_from(operator, value)
    if purpose is None:
        raise Http404(UNKNOWN_PURPOSE)
    return purpose


# --- 2) which stop ---------------------------------------------------------------------------


@booking_page
def booking_stops(request: HttpRequest, operator: Operator) -> HttpResponse:
    purpose = _purpose(request, operator)
    if purpose is None:
        return _start_page(request, operator, queries.bookable(operator), error=NO_PURPOSE)
    return _stops_page(request, operator, purpose)


def _stops_page(request, operator, purpose, *, error: str = "") -> HttpResponse:
    found = queries.bookable(operator, partner_keys=purpose.partner_keys)
    stops = [_stop_row(stop) for stop in queries.stops_of(found)]
    context = {"operator": operator, "purpose": purpose, "stops": stops, "error": error}
    return _page(request, "stops.html", context, invalid=bool(error))


def _stop_row(stop: Stop) -> dict:
    return {
        "stop": stop,
        "day": day_fr(stop.date),
        "hours": hours_fr(stop.start_time, stop.end_time),
    }


# --- 3) which slot, who to reach -------------------------------------------------------------


def _requested_stop(request: HttpRequest, operator: Operator) -> Stop | None:
    value = request.GET.get("passage", "")
    if not value:
        return None
    if not value.isdigit() or len(value) > 12:
        raise Http404(UNKNOWN_STOP)
    stop = Stop.objects.for_operator(operator).select_related("site").filter(pk=int(value)).first()
    if stop is None:
        raise Http404(UNKNOWN_STOP)
    return stop


def _stop_openings(stop: Stop, purpose: queries.Purpose | None) -> dict[int, AppointmentOpening]:
    """The public openings of `stop` for `purpose` (full, past or cancelled too: the service
    says why a slot cannot be booked)."""
    openings = AppointmentOpening.objects.filter(stop=stop).bookable_by_public()
    keys = purpose.partner_keys if purpose else None
    return {
        opening.pk: opening
        for opening in openings.select_related("stop__operator", "partner")
        if keys is None or (opening.partner_id or queries.TEAM) in keys
    }


def _slot_groups(operator, found, form) -> list[dict]:
    """The free slots, by opening, as radio buttons (the one chosen stays checked)."""
    chosen = form["slot"].value() if form is not None and "slot" in form.fields else None
    return [
        {
            "opening": item.opening,
            "stop": _stop_row(item.stop),
            "slots": [
                {
                    "value": slot_value(item.opening, slot.start_time),
                    "label": hours_fr(slot.start_time, slot.end_time),
                    "checked": slot_value(item.opening, slot.start_time) == chosen,
                }
                for slot in item.slots
            ],
        }
        for item in found
    ]


@booking_page
@once_per_token
def booking_slot(request: HttpRequest, operator: Operator) -> HttpResponse:
    purpose = _purpose(request, operator)
    stop = _requested_stop(request, operator)
    if stop is None:
        if purpose is None:
            return redirect("public:booking_start", operator_slug=operator.slug)
        return _stops_page(request, operator, purpose, error=NO_STOP)
    openings = _stop_openings(stop, purpose)
    form = AppointmentForm(posted(request), openings=openings)
    if request.method == "POST":
        refused = _throttled(request, operator, form)
        if refused is not None:
            return refused
        appointment = _book(form, purpose)
        if appointment is not None:
            return redirect("public:booking_confirmed", token=booking_token(appointment))
    found = queries.bookable(operator, stop_ids=[stop.pk], partner_keys=_keys(purpose))
    context = {
        "operator": operator,
        "purpose": purpose,
        "stop": _stop_row(stop),
        "groups": _slot_groups(operator, found, form),
        "form": form,
    }
    return _page(request, "slot.html", context, invalid=bool(form.errors))


def _keys(purpose: queries.Purpose | None):
    return purpose.partner_keys if purpose else None


def _throttled(request, operator, form) -> HttpResponse | None:
    """The 429 page when the IP address, or the form's phone number, is over its limit."""
    if not booking_throttle.ip_allowed(request):
        return too_many_page(request, operator)
    if form.is_valid() and not booking_throttle.phone_allowed(form.cleaned_data["phone"]):
        return too_many_page(request, operator)
    return None


def _book(form: AppointmentForm, purpose) -> Appointment | None:
    if not form.is_valid():
        return None
    opening, start_time = form.cleaned_data["slot"]
    try:
        return appointments.appointment_book(
            opening=opening,
            start_time=start_time,
            contact=form.contact(),
            topic=purpose.topic if purpose else None,
        )
    except ValidationError as error:
        add_service_error(form, error)
        return None


# --- workshops -------------------------------------------------------------------------------


def _workshop_state(workshop, now) -> str:
    """Why registration is closed ("" when open)."""
    if workshop.is_cancelled:
        return "cancelled"
    if workshop.stop.status != StopStatus.HELD:
        return "stop_cancelled"
    if local_moment(workshop.operator, workshop.stop.date, workshop.start_time) <= now:
        return "past"
    if not workshop.public_registration:
        return "agent_only"
    return ""


@booking_page
@once_per_token
def workshop_page(request: HttpRequest, operator: Operator, workshop_id: int) -> HttpResponse:
    workshop = queries.public_workshop(operator, workshop_id)
    if workshop is None:
        raise Http404(UNKNOWN_WORKSHOP)
    closed = _workshop_state(workshop, timezone.now())
    form = WorkshopForm(posted(request)) if not closed else None
    if request.method == "POST" and form is not None:
        refused = _throttled(request, operator, form)
        if refused is not None:
            return refused
        if form.is_valid():
            try:
                registration = workshops.registration_create(
                    workshop=workshop, contact=form.contact()
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                token = booking_token(registration)
                return redirect("public:booking_confirmed", token=token)
    context = {
        "operator": operator,
        "workshop": workshop,
        "stop": _stop_row(workshop.stop),
        "hours": hours_fr(workshop.start_time, workshop.end_time),
        "seats_left": queries.seats_left(workshop),
        "closed": closed,
        "form": form,
    }
    invalid = request.method == "POST" and (form is None or bool(form.errors))
    return _page(request, "workshop.html", context, invalid=invalid)


# --- a booking, from its link ----------------------------------------------------------------


def _booking_context(booking: Appointment | Registration) -> dict:
    is_appointment = isinstance(booking, Appointment)
    stop = booking.opening.stop if is_appointment else booking.workshop.stop
    start = booking.start_time if is_appointment else booking.workshop.start_time
    end = booking.end_time if is_appointment else booking.workshop.end_time
    cancelled = (
        booking.status == AppointmentStatus.CANCELLED
        if is_appointment
        else booking.status == RegistrationStatus.CANCELLED
    )
    return {
        "operator": booking.operator,
        "booking": booking,
        "is_appointment": is_appointment,
        "what": booking.opening.who if is_appointment else booking.workshop.title,
        "stop": _stop_row(stop),
        "hours": hours_fr(start, end),
        "cancelled": cancelled,
        "can_move": is_appointment and booking.status == AppointmentStatus.BOOKED,
        "waiting": not is_appointment and booking.status == RegistrationStatus.WAITING,
        "stop_cancelled": stop.status != StopStatus.HELD,
        "link": booking_url(booking),
        "token": booking_token(booking),
        "shown_phone": shown_phone(booking.phone),
    }


@booking_link_page
def booking_manage(request: HttpRequest, booking) -> HttpResponse:
    return _page(request, "booking.html", {**_booking_context(booking), "confirmed": False})


@booking_link_page
def booking_confirmed(request: HttpRequest, booking) -> HttpResponse:
    return _page(request, "booking.html", {**_booking_context(booking), "confirmed": True})


@booking_link_page
def booking_cancel(request: HttpRequest, booking) -> HttpResponse:
    context = _booking_context(booking)
    error = ""
    if request.method == "POST" and not context["cancelled"]:
        try:
            if context["is_appointment"]:
                appointments.appointment_cancel(booking)
            else:
                workshops.registration_cancel(booking)
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(request, CANCELLED)
            return redirect("public:booking_manage", token=context["token"])
    return _page(request, "cancel.html", {**context, "error": error}, invalid=bool(error))


@once_per_token  # outside the link's guard: a re-sent move finds the moved booking's page
@booking_link_page
def booking_move(request: HttpRequest, booking) -> HttpResponse:
    context = _booking_context(booking)
    if not context["can_move"]:
        return _page(request, "booking.html", {**context, "confirmed": False})
    operator = booking.operator
    partner_keys = {booking.opening.partner_id or queries.TEAM}
    found = queries.bookable(operator, partner_keys=partner_keys)
    form = MoveForm(posted(request), openings=queries.partner_openings(booking.opening))
    if request.method == "POST":
        if not booking_throttle.ip_allowed(request):
            return too_many_page(request, operator)
        moved = _move(booking, form)
        if moved is not None:
            messages.success(request, MOVED)
            return redirect("public:booking_confirmed", token=booking_token(moved))
        found = queries.bookable(operator, partner_keys=partner_keys)
    groups = _slot_groups(operator, found, form)
    _drop_current_slot(groups, booking)
    context = {**context, "groups": groups, "form": form}
    return _page(request, "move.html", context, invalid=bool(form.errors))


def _drop_current_slot(groups: list[dict], booking: Appointment) -> None:
    current = slot_value(booking.opening, booking.start_time)
    for group in groups:
        group["slots"] = [slot for slot in group["slots"] if slot["value"] != current]
    groups[:] = [group for group in groups if group["slots"]]


def _move(booking: Appointment, form: MoveForm) -> Appointment | None:
    if not form.is_valid():
        return None
    opening, start_time = form.cleaned_data["slot"]
    try:
        return appointments.appointment_move(booking, opening=opening, start_time=start_time)
    except ValidationError as error:
        add_service_error(form, error)
        return None
