"""The workshops' back office (/accueil/ateliers/…): list, create, change, cancel a workshop;
its page with the seats and the waiting list; an agent registers someone, cancels a
registration (the waiting list moves up), records who came.

The coordinators and the agents manage; a partner reads the workshops and their counts, never
a name."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.reads import shows_person
from allervers.accesslog.services import record
from allervers.core.fields import id_from
from allervers.core.form_views import add_service_error, form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page, form_page
from allervers.core.roles import PLANNING_READER_ROLES, STAFF_ROLES
from allervers.core.tenancy import get_scoped_or_404, has_role, operator_view
from allervers.reception.enums import ConsentPurpose
from allervers.reception.forms import PersonSearchForm
from allervers.reception.queries import people_matching
from allervers.submissions.tokens import once_per_token

from . import queries
from .enums import BookingSource, RegistrationStatus
from .forms import AttendanceForm, ContactRegistrationForm, PersonRegistrationForm, WorkshopForm
from .message_queries import sms_attach
from .models import Registration, Workshop
from .phones import normalise_phone
from .services import attendance, contacts, refusals, workshops
from .times import local_moment

PERSON_RESULTS_LIMIT = 10
PER_PAGE = 50


def workshop_url(workshop_id: int) -> str:
    return reverse("bookings:workshop_detail", kwargs={"workshop_id": workshop_id})


def _workshop(request, workshop_id: int) -> Workshop:
    return get_scoped_or_404(request, queries.with_seats(Workshop.objects.all()), pk=workshop_id)


@operator_view(*PLANNING_READER_ROLES)
def workshop_list(request):
    today = timezone.localdate()
    return render_form(
        request,
        "bookings/workshops/list.html",
        {
            "page": Paginator(
                queries.upcoming_workshops(request.operator, today), PER_PAGE
            ).get_page(request.GET.get("page")),
            "query": "",
            "past": list(queries.past_workshops(request.operator, today)[:PER_PAGE]),
            "past_limit": PER_PAGE,
            "may_manage": has_role(request, STAFF_ROLES),
        },
    )


def _workshop_fields(data: dict) -> dict:
    fields = dict(data)
    fields.pop("stop", None)
    return fields


@operator_view(*STAFF_ROLES)
@once_per_token
def workshop_create(request):
    initial = {}
    raw_stop = request.GET.get("permanence", "")
    if id_from(raw_stop):
        initial["stop"] = id_from(raw_stop)
    form = WorkshopForm(posted(request), operator=request.operator, initial=initial)
    submission = form_submit(
        request,
        form,
        lambda data: workshops.workshop_create(
            stop=data["stop"], by=request.user, **_workshop_fields(data)
        ),
    )
    if submission.done:
        messages.success(request, "L'atelier est créé.")
        return redirect("bookings:workshop_detail", workshop_id=submission.result.pk)
    return form_page(
        request,
        form,
        title="Nouvel atelier collectif",
        intro="Un atelier a lieu pendant une permanence maintenue, dans ses horaires.",
        submit="Créer l'atelier",
        back_url=reverse("bookings:workshop_list"),
    )


@operator_view(*STAFF_ROLES)
def workshop_edit(request, workshop_id: int):
    workshop = _workshop(request, workshop_id)
    if workshop.is_cancelled:
        messages.error(request, refusals.WORKSHOP_CANCELLED)
        return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
    initial = {
        "title": workshop.title,
        "topic": workshop.topic_id,
        "description": workshop.description,
        "start_time": workshop.start_time,
        "end_time": workshop.end_time,
        "capacity": workshop.capacity,
        "public_registration": workshop.public_registration,
    }
    form = WorkshopForm(
        posted(request), operator=request.operator, workshop=workshop, initial=initial
    )
    submission = form_submit(
        request,
        form,
        lambda data: workshops.workshop_change(workshop=workshop, **_workshop_fields(data)),
    )
    if submission.done:
        _say_promoted(request, submission.result)
        messages.success(request, "L'atelier est modifié.")
        return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
    return form_page(
        request,
        form,
        title=f"Modifier l'atelier « {workshop.title} »",
        intro=f"Permanence du {workshop.stop.slot_label}. {workshop.registered_count} "
        "personne(s) inscrite(s).",
        submit="Enregistrer",
        back_url=workshop_url(workshop.pk),
    )


@operator_view(*STAFF_ROLES)
def workshop_cancel(request, workshop_id: int):
    workshop = _workshop(request, workshop_id)
    if workshop.is_cancelled:
        messages.error(request, refusals.WORKSHOP_CANCELLED)
        return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request, form, lambda data: workshops.workshop_cancel(workshop=workshop, by=request.user)
    )
    if submission.done:
        messages.success(
            request,
            f"L'atelier est annulé. {len(submission.result)} personne(s) inscrite(s) ou en "
            "attente sont prévenues.",
        )
        return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
    return confirm_page(
        request,
        form,
        title=f"Annuler l'atelier « {workshop.title} »",
        intro=f"Permanence du {workshop.stop.slot_label}. Les {workshop.registered_count} "
        f"personne(s) inscrite(s) et les {workshop.waiting_count} en attente seront prévenues.",
        submit="Annuler l'atelier",
        back_url=workshop_url(workshop.pk),
    )


def _detail_page(request, workshop: Workshop, *, status_forms=(), **forms):
    manage = has_role(request, STAFF_ROLES)
    seats, waiting = queries.registrations_of(workshop) if manage else ([], [])
    sms_attach(request.operator, "registration", seats + waiting)
    started = local_moment(request.operator, workshop.stop.date, workshop.start_time) <= (
        timezone.now()
    )
    context = {
        "workshop": workshop,
        "seats_left": queries.seats_left(workshop),
        "seats": seats,
        "waiting": waiting,
        "may_manage": manage,
        "started": started,
        "open_for_registration": manage
        and not started
        and not workshop.is_cancelled
        and not workshop.stop.is_cancelled,
        "search_form": forms.get("search_form") or PersonSearchForm(),
        "person_form_errors": forms.get("person_form"),
        "contact_form": forms.get("contact_form") or ContactRegistrationForm(),
        "results": forms.get("results"),
    }
    return render_form(
        request, "bookings/workshops/detail.html", context, forms_shown=list(status_forms)
    )


@operator_view(*PLANNING_READER_ROLES)
@once_per_token  # the registration forms it shows post to `registration_create`
def workshop_detail(request, workshop_id: int):
    return _detail_page(request, _workshop(request, workshop_id))


def _person_contact(person) -> contacts.Contact:
    """A followed person's contact details, as far as they make a valid booking contact."""
    try:
        phone = normalise_phone(person.phone)
    except ValidationError:
        phone = ""
    return contacts.Contact(
        first_name=person.first_name,
        phone=phone,
        email=person.email,
        contact_consent=person.has_consent(ConsentPurpose.REMINDERS),
        person=person,
    )


def _register(request, workshop: Workshop, contact: contacts.Contact) -> Registration:
    return workshops.registration_create(
        workshop=workshop,
        contact=contact,
        source=BookingSource.AGENT,
        by=request.user,
        request=request,
    )


def _registered_message(request, registration: Registration) -> None:
    if registration.status == RegistrationStatus.REGISTERED:
        messages.success(request, f"{registration.display_name} est inscrit(e) à l'atelier.")
    else:
        messages.warning(
            request,
            f"L'atelier est complet : {registration.display_name} est sur la liste d'attente.",
        )


@operator_view(*STAFF_ROLES)
@once_per_token
def registration_create(request, workshop_id: int):
    """The workshop page's forms: search a followed person (by POST: a name never goes in a
    URL), register them, or register a contact only."""
    workshop = _workshop(request, workshop_id)
    if request.method != "POST":
        return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
    if "query" in request.POST:
        search_form = PersonSearchForm(request.POST)
        results = None
        if search_form.is_valid():
            results = people_matching(
                request.operator, search_form.cleaned_data["query"], PERSON_RESULTS_LIMIT
            )
            allowed = set(
                queries.consenting_persons(request.operator)
                .filter(pk__in=[p.pk for p in results])
                .values_list("pk", flat=True)
            )
            results = [p for p in results if p.pk in allowed]
        return _detail_page(
            request,
            workshop,
            status_forms=[search_form],
            search_form=search_form,
            results=results,
        )
    if "person" in request.POST:
        form = PersonRegistrationForm(request.POST, operator=request.operator)
        submission = form_submit(
            request,
            form,
            lambda data: _register(request, workshop, _person_contact(data["person"])),
        )
        if submission.done:
            _registered_message(request, submission.result)
            return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
        return _detail_page(request, workshop, status_forms=[form], person_form=form)
    form = ContactRegistrationForm(request.POST)
    submission = form_submit(
        request,
        form,
        lambda data: _register(request, workshop, contacts.Contact(**data)),
    )
    if submission.done:
        _registered_message(request, submission.result)
        return redirect("bookings:workshop_detail", workshop_id=workshop.pk)
    return _detail_page(request, workshop, status_forms=[form], contact_form=form)


def _registration(request, registration_id: int) -> Registration:
    return get_scoped_or_404(
        request,
        Registration.objects.select_related("workshop__stop__site", "person"),
        pk=registration_id,
    )


def _say_promoted(request, promoted: list[Registration]) -> None:
    for registration in promoted:
        messages.info(
            request,
            f"{registration.display_name} passe de la liste d'attente à une place "
            "(la personne est prévenue).",
        )


@operator_view(*STAFF_ROLES)
@shows_person
def registration_cancel(request, registration_id: int):
    registration = _registration(request, registration_id)
    back = workshop_url(registration.workshop_id)
    if request.method != "POST":  # the confirmation names the person
        record(request, Action.PERSON_VIEWED, registration, detail="annulation d'une inscription")
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: workshops.registration_cancel(registration, by=request.user),
    )
    if submission.done:
        messages.success(request, f"L'inscription de {registration.display_name} est annulée.")
        _say_promoted(request, submission.result)
        return redirect(back)
    return confirm_page(
        request,
        form,
        title=f"Annuler l'inscription de {registration.display_name}",
        intro=f"Atelier « {registration.workshop.title} », {registration.workshop.stop.slot_label}."
        " La première personne de la liste d'attente aura la place libérée.",
        submit="Annuler l'inscription",
        back_url=back,
    )


@operator_view(*STAFF_ROLES)
def registration_attendance(request, registration_id: int):
    """Present or absent: the buttons of the workshop's page post here."""
    registration = _registration(request, registration_id)
    if request.method != "POST":
        return redirect(workshop_url(registration.workshop_id))
    form = AttendanceForm(request.POST)
    if form.is_valid():
        try:
            attendance.registration_attendance_record(
                registration=registration, attendance=form.cleaned_data["attendance"]
            )
        except ValidationError as error:
            add_service_error(form, error)
    if form.errors:
        for message in form.errors.get("__all__", []) + form.errors.get("attendance", []):
            messages.error(request, message)
        workshop = _workshop(request, registration.workshop_id)
        return _detail_page(request, workshop, status_forms=[form])
    return redirect(workshop_url(registration.workshop_id))
