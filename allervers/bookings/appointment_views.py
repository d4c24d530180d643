"""The appointments' back office (/accueil/rendez-vous/…): the defaults of each partner and of
the bus team, opening a stop to appointments, booking for someone (phone, bus door), the lists
by stop, and the attendance that makes an honoured appointment a visit.

A partner's member sees and changes only its organisation's openings and appointments (another
partner's is a 404, like another operator's); the operator's staff see every one, with names."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from allervers.accesslog.reads import record_people, shows_person
from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page, form_page
from allervers.core.roles import (
    BOOKING_READER_ROLES,
    COORDINATOR_ROLES,
    OPENING_WRITER_ROLES,
    STAFF_ROLES,
    Role,
)
from allervers.core.tenancy import get_scoped_or_404, operator_view
from allervers.partners.models import Partner
from allervers.planning.enums import StopStatus
from allervers.planning.models import PartnerPresence, Stop
from allervers.planning.views.pages import back_to_stop, stop_url
from allervers.reception.forms import PersonSearchForm
from allervers.reception.models import Topic
from allervers.submissions.tokens import once_per_token

from . import appointment_queries as queries
from .appointment_forms import (
    NEW_VISIT,
    TEAM,
    AttendanceForm,
    BookingForm,
    DayForm,
    DefaultsForm,
    MoveForm,
    OpeningForm,
)
from .enums import APPOINTMENT_ATTENDANCE, AppointmentStatus, BookingSource
from .message_queries import booking_messages
from .models import Appointment, AppointmentOpening, PartnerBookingDefaults
from .phones import shown_phone
from .services import appointments, attendance, contacts, refusals
from .times import booking_start, local_moment

APPOINTMENTS_PER_PAGE = 50
PEOPLE_RESULTS_LIMIT = 20
UPCOMING_OPENINGS_SHOWN = 30


def _partner_id(request) -> int | None:
    """The partner a member acts for (its own rows only); None for the operator's staff."""
    membership = request.membership
    return membership.partner_id if membership.role == Role.PARTNER else None


def _is_staff(request) -> bool:
    return request.membership.role in STAFF_ROLES


def _opening(request, opening_id: int) -> AppointmentOpening:
    return get_scoped_or_404(
        request, queries.openings(request.operator, _partner_id(request)), pk=opening_id
    )


def _appointment(request, appointment_id: int) -> Appointment:
    return get_scoped_or_404(
        request, queries.appointments(request.operator, _partner_id(request)), pk=appointment_id
    )


def _log_people_shown(request, appointments, where: str) -> None:
    """One access-log entry per person whose name or contact the page shows: a followed person
    once, and the contact of each appointment made without a person's record."""
    record_people(request, appointments, detail=where)


def _opening_url(opening: AppointmentOpening) -> str:
    return reverse("bookings:opening_detail", kwargs={"opening_id": opening.pk})


def _appointment_url(appointment: Appointment) -> str:
    return reverse("bookings:appointment_detail", kwargs={"appointment_id": appointment.pk})


# --- Lists ---------------------------------------------------------------------------------


@operator_view(*BOOKING_READER_ROLES)
@shows_person
def appointment_list(request):
    today = timezone.localdate()
    past = request.GET.get("quand") == "passes"
    partner_id = _partner_id(request)
    day_form = DayForm(request.GET if "jour" in request.GET else None)
    day = day_form.cleaned_data["jour"] if day_form.is_bound and day_form.is_valid() else None
    if day_form.errors:
        rows = Appointment.objects.none()
    else:
        rows = queries.appointments_by_day(
            request.operator, today=today, past=past, partner_id=partner_id, day=day
        )
    page = Paginator(rows, APPOINTMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    _log_people_shown(request, page.object_list, "liste des rendez-vous")
    coming = (
        queries.openings(request.operator, partner_id)
        .filter(stop__date__gte=today, stop__status=StopStatus.HELD)
        .order_by("stop__date", "start_time", "pk")[:UPCOMING_OPENINGS_SHOWN]
    )
    return render_form(
        request,
        "bookings/appointment_list.html",
        {
            "page": page,
            "past": past,
            "day": day,
            "form": day_form,
            "query": query.urlencode(),
            "openings": list(coming),
            "is_staff": _is_staff(request),
        },
    )


# --- Defaults ------------------------------------------------------------------------------


def _defaults_page(request, partner: Partner | None, *, back_url: str, extra=None):
    defaults = queries.booking_defaults(request.operator, partner)
    form = DefaultsForm(
        posted(request), initial={"slot_minutes": defaults.slot_minutes, "desks": defaults.desks}
    )
    submission = form_submit(
        request,
        form,
        lambda data: appointments.booking_defaults_save(
            operator=request.operator, partner=partner, by=request.user, **data
        ),
    )
    if submission.done:
        messages.success(request, "Les réglages des rendez-vous sont enregistrés.")
        return redirect(request.path)
    who = partner.name if partner else "l'équipe du bus"
    context = {
        "form": form,
        "title": f"Rendez-vous : réglages de {who}",
        "intro": "La durée d'un rendez-vous et le nombre de personnes qui reçoivent en même "
        "temps, proposés à chaque ouverture de rendez-vous (modifiables pour chacune).",
        "back_url": back_url,
        "partners": None,
        **(extra or {}),
    }
    return render_form(request, "bookings/defaults.html", context)


@operator_view(*OPENING_WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def booking_settings(request):
    """A partner's member: its organisation's defaults. The coordinator: the bus team's, and
    the list of partners to set theirs."""
    partner_id = _partner_id(request)
    if partner_id is not None:
        return _defaults_page(
            request, request.membership.partner, back_url=reverse("bookings:appointment_list")
        )
    partners = list(Partner.objects.for_operator(request.operator).active())
    saved = {
        d.partner_id: d
        for d in PartnerBookingDefaults.objects.for_operator(request.operator).filter(
            partner__isnull=False
        )
    }
    rows = [
        (
            partner,
            saved.get(partner.pk)
            or PartnerBookingDefaults(operator=request.operator, partner=partner),
        )
        for partner in partners
    ]
    return _defaults_page(
        request, None, back_url=reverse("bookings:appointment_list"), extra={"partners": rows}
    )


@operator_view(*COORDINATOR_ROLES)
@require_http_methods(["GET", "POST"])
def partner_booking_settings(request, partner_id: int):
    partner = get_scoped_or_404(request, Partner, pk=partner_id)
    return _defaults_page(
        request, partner, back_url=reverse("partners:detail", kwargs={"partner_id": partner.pk})
    )


# --- Openings ------------------------------------------------------------------------------


def _who_choices(request, stop: Stop) -> list[tuple[str, str]]:
    """Who the coordinator may open appointments for at `stop`: the bus team and each partner
    present, unless already open."""
    taken = set(stop.appointment_openings.values_list("partner_id", flat=True))
    choices = [] if None in taken else [(TEAM, "L'équipe du bus")]
    presences = PartnerPresence.objects.filter(stop=stop).select_related("partner")
    choices += [
        (str(p.partner_id), p.partner.name)
        for p in presences.order_by("partner__name")
        if p.partner_id not in taken
    ]
    return choices


def _opening_initial(stop: Stop, partner: Partner | None, who: str) -> dict:
    defaults = queries.booking_defaults(stop.operator, partner)
    start, end = stop.start_time, stop.end_time
    if partner is not None:
        presence = PartnerPresence.objects.filter(stop=stop, partner=partner).first()
        if presence is not None:
            start, end = presence.start_time or start, presence.end_time or end
    return {
        "who": who,
        "start_time": start,
        "end_time": end,
        "slot_minutes": defaults.slot_minutes,
        "desks": defaults.desks,
        "public_booking": True,
    }


@operator_view(*OPENING_WRITER_ROLES)
@require_http_methods(["GET", "POST"])
@once_per_token
def opening_create(request, stop_id: int):
    stop = get_scoped_or_404(request, Stop.objects.select_related("site", "operator"), pk=stop_id)
    if stop.is_cancelled:
        return back_to_stop(request, stop.pk, "Cette permanence est annulée.")
    if local_moment(stop.operator, stop.date, stop.end_time) <= timezone.now():
        return back_to_stop(request, stop.pk, "Cette permanence est passée.")
    if _partner_id(request) is not None:
        partner = request.membership.partner
        if not PartnerPresence.objects.filter(stop=stop, partner=partner).exists():
            return back_to_stop(
                request, stop.pk, "Déclarez d'abord votre présence à cette permanence."
            )
        if stop.appointment_openings.filter(partner=partner).exists():
            return back_to_stop(request, stop.pk, "Vos rendez-vous sont déjà ouverts ici.")
        choices, who = None, str(partner.pk)
    else:
        choices = _who_choices(request, stop)
        if not choices:
            return back_to_stop(
                request, stop.pk, "Les rendez-vous sont déjà ouverts pour tous à cette permanence."
            )
        wanted = request.GET.get("avec", "")
        who = wanted if wanted in dict(choices) else choices[0][0]
    partners = {str(p.pk): p for p in Partner.objects.for_operator(request.operator)}
    form = OpeningForm(
        posted(request),
        who_choices=choices,
        initial=_opening_initial(stop, partners.get(who), who),
    )

    def open_them(data):
        chosen = data.get("who", who)
        return appointments.opening_create(
            stop=stop,
            partner=partners.get(chosen),
            start_time=data["start_time"],
            end_time=data["end_time"],
            slot_minutes=data["slot_minutes"],
            desks=data["desks"],
            public_booking=data["public_booking"],
            by=request.user,
        )

    submission = form_submit(request, form, open_them)
    if submission.done:
        messages.success(request, "Les rendez-vous sont ouverts.")
        return redirect(_opening_url(submission.result))
    return form_page(
        request,
        form,
        title=f"Ouvrir des rendez-vous — {stop.date:%d/%m/%Y}",
        intro=f"{stop.slot_label}. Les horaires proposés sont ceux de la présence ; la durée et "
        "le nombre de rendez-vous en même temps viennent des réglages.",
        submit="Ouvrir les rendez-vous",
        back_url=stop_url(stop.pk),
    )


@operator_view(*BOOKING_READER_ROLES)
def opening_detail(request, opening_id: int):
    opening = _opening(request, opening_id)
    slots = queries.slots_with_appointments(opening)
    _log_people_shown(
        request, [a for _, booked in slots for a in booked], "rendez-vous d'une permanence"
    )
    stop = opening.stop
    return render(
        request,
        "bookings/opening_detail.html",
        {
            "opening": opening,
            "stop": stop,
            "slots": slots,
            "is_staff": _is_staff(request),
            "may_change": request.membership.role in OPENING_WRITER_ROLES,
            "is_open": stop.status == StopStatus.HELD
            and local_moment(stop.operator, stop.date, stop.end_time) > timezone.now(),
        },
    )


@operator_view(*OPENING_WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def opening_edit(request, opening_id: int):
    opening = _opening(request, opening_id)
    form = OpeningForm(
        posted(request),
        initial={
            "start_time": opening.start_time,
            "end_time": opening.end_time,
            "slot_minutes": opening.slot_minutes,
            "desks": opening.desks,
            "public_booking": opening.public_booking,
        },
    )
    submission = form_submit(
        request, form, lambda data: appointments.opening_change(opening=opening, **data)
    )
    if submission.done:
        messages.success(request, "Les rendez-vous sont modifiés.")
        return redirect(_opening_url(opening))
    return form_page(
        request,
        form,
        title=f"Modifier les rendez-vous — {opening.who}",
        intro=f"{opening.stop.slot_label}. Les rendez-vous déjà pris doivent rester dans les "
        "créneaux.",
        submit="Enregistrer",
        back_url=_opening_url(opening),
    )


@operator_view(*OPENING_WRITER_ROLES)
@require_http_methods(["GET", "POST"])
def opening_close(request, opening_id: int):
    opening = _opening(request, opening_id)
    form = ConfirmForm(posted(request))
    if form_submit(request, form, lambda data: appointments.opening_close(opening=opening)).done:
        messages.success(request, "Les rendez-vous sont fermés à cette permanence.")
        return redirect(stop_url(opening.stop_id))
    return confirm_page(
        request,
        form,
        title=f"Fermer les rendez-vous — {opening.who}",
        intro=f"{opening.stop.slot_label}. Plus personne ne pourra réserver. Possible seulement "
        "quand aucun rendez-vous n'est pris.",
        submit="Fermer les rendez-vous",
        back_url=_opening_url(opening),
    )


# --- Booking for someone -------------------------------------------------------------------


@operator_view(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
@once_per_token
def appointment_book(request, opening_id: int):
    """Book for someone on the phone or at the bus door. The name search is posted (a name
    never appears in an address), on the same form: what was typed stays."""
    opening = _opening(request, opening_id)
    now = timezone.now()
    people = queries.consenting_people(request.operator)
    searching = request.method == "POST" and request.POST.get("action") == "chercher"
    search_form = PersonSearchForm(request.POST if searching else None)
    found = None
    if searching and search_form.is_valid():
        found = list(people.matching(search_form.cleaned_data["query"])[:PEOPLE_RESULTS_LIMIT])
    arguments = {
        "slots": queries.bookable_slots(opening, now),
        "topics": Topic.objects.for_operator(request.operator).active(),
        "people": people,
        "shown_people": found or (),
    }
    if searching:
        # What the agent already typed stays; the lists are chosen again (a posted id is not
        # trusted as an initial value).
        kept = ("start_time", "first_name", "phone", "email", "contact_consent")
        form = BookingForm(
            initial={name: request.POST.get(name) for name in kept if name in request.POST},
            **arguments,
        )
    else:
        form = BookingForm(posted(request), **arguments)

    def book(data):
        contact = contacts.Contact(
            first_name=data["first_name"],
            phone=data["phone"],
            email=data["email"],
            contact_consent=data["contact_consent"],
            person=data["person"],
        )
        return appointments.appointment_book(
            opening=opening,
            start_time=data["start_time"],
            contact=contact,
            topic=data["topic"],
            source=BookingSource.AGENT,
            by=request.user,
        )

    submission = form_submit(request, form, book)
    if submission.done:
        messages.success(request, "Le rendez-vous est réservé.")
        return redirect(_appointment_url(submission.result))
    return render_form(
        request,
        "bookings/appointment_book.html",
        {
            "opening": opening,
            "form": form,
            "search_form": search_form,
            "found": found,
        },
        forms_shown=[form, search_form],
    )


# --- One appointment -----------------------------------------------------------------------


def _attendance_due(appointment: Appointment) -> bool:
    return (
        appointment.status != AppointmentStatus.CANCELLED
        and appointment.opening.stop.status == StopStatus.HELD
        and booking_start(appointment) <= timezone.now()
    )


@operator_view(*BOOKING_READER_ROLES)
@shows_person
def appointment_detail(request, appointment_id: int):
    appointment = _appointment(request, appointment_id)
    _log_people_shown(request, [appointment], "page d'un rendez-vous")
    is_booked = appointment.status == AppointmentStatus.BOOKED
    return render(
        request,
        "bookings/appointment_detail.html",
        {
            "appointment": appointment,
            "stop": appointment.opening.stop,
            "phone": shown_phone(appointment.phone) if appointment.phone else "",
            "is_staff": _is_staff(request),
            "may_change": is_booked and booking_start(appointment) > timezone.now(),
            "attendance_due": _attendance_due(appointment),
            "booking_messages": booking_messages(request.operator, "appointment", appointment.pk),
        },
    )


@operator_view(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def appointment_cancel(request, appointment_id: int):
    appointment = _appointment(request, appointment_id)
    if request.method == "GET" and appointment.status != AppointmentStatus.BOOKED:
        messages.error(request, refusals.ALREADY_CANCELLED)
        return redirect(_appointment_url(appointment))
    form = ConfirmForm(posted(request))
    if form_submit(
        request,
        form,
        lambda data: appointments.appointment_cancel(appointment, by=request.user),
    ).done:
        messages.success(request, "Le rendez-vous est annulé.")
        return redirect(_appointment_url(appointment))
    return confirm_page(
        request,
        form,
        title=f"Annuler le rendez-vous de {appointment.start_time:%H:%M}",
        intro=f"{appointment.opening.who}, {appointment.opening.stop.slot_label}. La personne "
        "est prévenue si elle a accepté d'être contactée.",
        submit="Annuler le rendez-vous",
        back_url=_appointment_url(appointment),
    )


@operator_view(*STAFF_ROLES)
@require_http_methods(["GET", "POST"])
def appointment_move(request, appointment_id: int):
    appointment = _appointment(request, appointment_id)
    if appointment.status != AppointmentStatus.BOOKED:
        messages.error(request, refusals.ALREADY_CANCELLED)
        return redirect(_appointment_url(appointment))
    form = MoveForm(
        posted(request), targets=queries.move_targets(appointment, timezone.localtime())
    )
    submission = form_submit(
        request,
        form,
        lambda data: appointments.appointment_move(
            appointment, opening=data["target"][0], start_time=data["target"][1].start_time
        ),
    )
    if submission.done:
        messages.success(request, "Le rendez-vous est déplacé.")
        return redirect(_appointment_url(appointment))
    return form_page(
        request,
        form,
        title=f"Déplacer le rendez-vous de {appointment.start_time:%H:%M}",
        intro=f"{appointment.opening.who}, {appointment.opening.stop.slot_label}. Les créneaux "
        "libres des prochaines permanences sont proposés.",
        submit="Déplacer le rendez-vous",
        back_url=_appointment_url(appointment),
    )


@operator_view(*BOOKING_READER_ROLES)
@require_http_methods(["GET", "POST"])
@shows_person
def appointment_attendance(request, appointment_id: int) -> HttpResponse:
    appointment = _appointment(request, appointment_id)
    initial = {"shown_status": appointment.status}
    if appointment.status in APPOINTMENT_ATTENDANCE:
        initial["status"] = appointment.status
    initial["visit"] = str(appointment.visit_id) if appointment.visit_id else NEW_VISIT
    form = AttendanceForm(
        posted(request),
        visits=queries.visits_to_link(appointment),
        named=_is_staff(request),
        initial=initial,
    )
    submission = form_submit(
        request,
        form,
        lambda data: attendance.attendance_record(
            appointment=appointment,
            status=data["status"],
            visit=data.get("visit"),
            shown_status=data["shown_status"] or None,
            by=request.user,
            request=request,
        ),
    )
    if submission.done:
        messages.success(request, "La présence est notée.")
        return redirect(_appointment_url(appointment))
    _log_people_shown(request, [appointment], "présence à un rendez-vous")
    return render_form(
        request,
        "bookings/appointment_attendance.html",
        {
            "appointment": appointment,
            "form": form,
            "attendance_due": _attendance_due(appointment),
        },
    )
