"""Back-office views of the reception log: thin, guarded by `operator_view`, read via `scoped`."""

import base64

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from allervers.operators.enums import Role
from allervers.operators.tenancy import get_scoped_or_404, operator_view, scoped
from allervers.planning.enums import SpaceKind
from allervers.planning.models import Space, Stop

from . import exporting, importing, services
from .enums import REFERRAL_TRANSITIONS, ConsentPurpose, ReferralStatus
from .forms import (
    CyberUsageForm,
    PeriodForm,
    PersonForm,
    PersonSearchForm,
    ReferralForm,
    ReferralStatusForm,
    SettingsForm,
    TopicForm,
    VisitForm,
    VisitImportForm,
    current_stop,
    recent_stops,
)
from .models import CyberUsage, Person, Referral, Topic, Visit

STAFF = (Role.COORDINATOR, Role.AGENT)
VISITS_PER_PAGE = 50
IMPORT_SESSION_KEY = "reception_import"
PERSON_RESULTS_LIMIT = 30


def _form_error(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


def _is_partner(request) -> bool:
    return request.membership.role == Role.PARTNER


# --- Today's visits and the tablet form -------------------------------------------------------


@operator_view(*STAFF)
def today(request):
    """Today's visits, stop by stop: who is still in the bus, since when; who has left."""
    now = timezone.now()
    day = timezone.localtime(now).date()
    stops = list(
        scoped(request, Stop).held().filter(date=day).select_related("site").order_by("start_time")
    )
    visits = list(
        scoped(request, Visit)
        .on_date(day)
        .select_related("stop__site")
        .prefetch_related("topics")
        .order_by("arrived_at")
    )
    usages = {u.stop_id: u for u in scoped(request, CyberUsage).filter(stop__in=stops)}
    for visit in visits:
        visit.minutes_in_bus = max(0, round((now - visit.arrived_at).total_seconds() / 60))
    by_stop = []
    for stop in stops:
        stop_visits = [v for v in visits if v.stop_id == stop.pk]
        by_stop.append(
            {
                "stop": stop,
                "in_bus": [v for v in stop_visits if v.left_at is None],
                "left": [v for v in stop_visits if v.left_at is not None],
                "cyber_usage": usages.get(stop.pk),
            }
        )
    overdue = (
        scoped(request, Referral)
        .overdue(now=now, days=request.operator.referral_overdue_days)
        .count()
    )
    return render(
        request,
        "reception/today.html",
        {"day": day, "by_stop": by_stop, "overdue_count": overdue},
    )


@operator_view(*STAFF)
def visit_create(request):
    now = timezone.now()
    if request.method == "POST":
        form = VisitForm(request.POST, operator=request.operator, now=now)
        if form.is_valid():
            try:
                visit = services.visit_record(
                    operator=request.operator,
                    user=request.user,
                    now=now,
                    **form.service_arguments(),
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request,
                    f"Visite enregistrée : arrivée à {timezone.localtime(visit.arrived_at):%H:%M}.",
                )
                if visit.stop.date == timezone.localtime(now).date():
                    return redirect("reception:today")
                return redirect("reception:visit_detail", visit_id=visit.pk)
    else:
        stops = recent_stops(request.operator, timezone.localtime(now).date())
        default_stop = current_stop(stops, now)
        form = VisitForm(
            operator=request.operator,
            now=now,
            initial={
                "stop": default_stop.pk if default_stop else None,
                "arrival_time": timezone.localtime(now).time().replace(second=0, microsecond=0),
            },
        )
    return render(
        request,
        "reception/visit_form.html",
        {"form": form, "creating": True, "streets_help": _streets(request.operator)},
    )


def _streets(operator) -> str:
    """The neighbourhood's streets, shown to the agent under « Habite le quartier »."""
    streets = [line.strip() for line in operator.neighbourhood_streets.splitlines() if line.strip()]
    return "Rues du quartier : " + ", ".join(streets) + "." if streets else ""


@operator_view(*STAFF)
def visit_finish(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit, pk=visit_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        visit = services.visit_finish(visit=visit, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Visite terminée à {timezone.localtime(visit.left_at):%H:%M} "
            f"({visit.duration_minutes} min).",
        )
    if request.POST.get("next") == "detail":
        return redirect("reception:visit_detail", visit_id=visit.pk)
    return redirect("reception:today")


@operator_view(*STAFF)
def visit_detail(request, visit_id: int):
    visit = get_scoped_or_404(
        request,
        Visit.objects.with_details().prefetch_related("changes__changed_by"),
        pk=visit_id,
    )
    referrals = visit.referrals.select_related("partner").order_by("proposed_at")
    return render(
        request,
        "reception/visit_detail.html",
        {
            "visit": visit,
            "can_finish": not visit.left_at
            and timezone.localtime(visit.arrived_at).date() == timezone.localdate(),
            "referrals": referrals,
            "referral_form": ReferralForm(operator=request.operator),
            "person_search_form": PersonSearchForm(),
        },
    )


@operator_view(*STAFF)
def visit_edit(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit.objects.with_details(), pk=visit_id)
    now = timezone.now()
    if request.method == "POST":
        form = VisitForm(request.POST, operator=request.operator, now=now, visit=visit)
        if form.is_valid():
            try:
                services.visit_correct(
                    visit=visit, user=request.user, now=now, **form.service_arguments()
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request, "Visite corrigée : la modification est dans l'historique."
                )
                return redirect("reception:visit_detail", visit_id=visit.pk)
    else:
        form = VisitForm(
            operator=request.operator, now=now, visit=visit, initial=VisitForm.initial_for(visit)
        )
    return render(
        request,
        "reception/visit_form.html",
        {
            "form": form,
            "visit": visit,
            "creating": False,
            "streets_help": _streets(request.operator),
        },
    )


@operator_view(*STAFF)
def visit_list(request):
    form = PeriodForm(request.GET or None)
    visits = (
        scoped(request, Visit).select_related("stop__site", "person").prefetch_related("topics")
    )
    if form.is_valid():
        if form.cleaned_data["start"]:
            visits = visits.filter(stop__date__gte=form.cleaned_data["start"])
        if form.cleaned_data["end"]:
            visits = visits.filter(stop__date__lte=form.cleaned_data["end"])
    elif form.is_bound:
        visits = visits.none()
    page = Paginator(visits.order_by("-arrived_at", "-pk"), VISITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "reception/visit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@operator_view(Role.COORDINATOR)
def visit_export(request):
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("reception:visit_list")
    start = form.cleaned_data.get("start") if form.is_bound else None
    end = form.cleaned_data.get("end") if form.is_bound else None
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="visites.csv"'
    exporting.visits_write_csv(response, operator=request.operator, start=start, end=end)
    return response


# --- Import --------------------------------------------------------------------------------


@operator_view(*STAFF)
def visit_import(request):
    report = None
    form = VisitImportForm()
    if request.method == "POST" and request.POST.get("action") == "confirm":
        stored = request.session.get(IMPORT_SESSION_KEY)
        if not stored:
            messages.error(request, "Aucun fichier vérifié à importer : déposez-le à nouveau.")
            return redirect("reception:visit_import")
        content = base64.b64decode(stored["content"])
        try:
            count = services.visits_import(
                operator=request.operator,
                user=request.user,
                name=stored["name"],
                content=content,
            )
        except importing.ImportRefused as refused:
            report = refused.report
        else:
            del request.session[IMPORT_SESSION_KEY]
            messages.success(request, f"{count} visites importées.")
            return redirect("reception:visit_list")
    elif request.method == "POST":
        form = VisitImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > importing.MAX_FILE_BYTES:
                form.add_error("file", "Le fichier est trop gros (2 Mo au plus).")
            else:
                content = upload.read()
                report = importing.visits_check(
                    operator=request.operator, name=upload.name, content=content
                )
                if report.is_valid:
                    request.session[IMPORT_SESSION_KEY] = {
                        "name": upload.name,
                        "content": base64.b64encode(content).decode("ascii"),
                    }
                else:
                    request.session.pop(IMPORT_SESSION_KEY, None)
    return render(
        request,
        "reception/visit_import.html",
        {"form": form, "report": report, "columns": importing.COLUMNS},
    )


# --- People who consent ----------------------------------------------------------------------


@operator_view(*STAFF)
def person_search(request):
    """Search by name through POST only: a name never appears in a URL."""
    results = None
    link_visit = _visit_to_link(request)
    if request.method == "POST" and "query" in request.POST:
        form = PersonSearchForm(request.POST)
        if form.is_valid():
            results = list(
                scoped(request, Person)
                .matching(form.cleaned_data["query"])
                .annotate(visit_count=Count("visits"))
                .order_by("last_name", "first_name")[:PERSON_RESULTS_LIMIT]
            )
    else:
        form = PersonSearchForm()
    return render(
        request,
        "reception/person_search.html",
        {"form": form, "results": results, "link_visit": link_visit},
    )


def _visit_to_link(request) -> Visit | None:
    raw = request.POST.get("visit") or request.GET.get("visite")
    if not raw or not str(raw).isdecimal():
        return None
    return scoped(request, Visit).filter(pk=int(raw)).first()


@operator_view(*STAFF)
def person_create(request):
    link_visit = _visit_to_link(request)
    if request.method == "POST":
        form = PersonForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = services.person_create_with_consent(
                    operator=request.operator,
                    user=request.user,
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    phone=data["phone"],
                    email=data["email"],
                    consent_given_on=data["consent_given_on"],
                    consent_purpose=data["consent_purpose"],
                    visit=link_visit,
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Fiche créée avec le consentement de la personne.")
                return redirect("reception:person_detail", person_id=person.pk)
    else:
        form = PersonForm(initial={"consent_given_on": timezone.localdate()})
    return render(request, "reception/person_form.html", {"form": form, "link_visit": link_visit})


@operator_view(*STAFF)
def person_detail(request, person_id: int):
    person = get_scoped_or_404(
        request, Person.objects.select_related("consent_recorded_by"), pk=person_id
    )
    visits = list(
        person.visits.select_related("stop__site")
        .prefetch_related("topics")
        .order_by("-arrived_at")
    )
    referrals = (
        scoped(request, Referral)
        .filter(visit__person=person)
        .select_related("partner", "visit__stop")
        .order_by("-proposed_at")
    )
    appointments = [v for v in visits if v.mode == "appointment"]
    return render(
        request,
        "reception/person_detail.html",
        {
            "person": person,
            "visits": visits,
            "referrals": referrals,
            "appointments": appointments,
        },
    )


@operator_view(*STAFF)
def visit_link_person(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit, pk=visit_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("person", "")
    person = scoped(request, Person).filter(pk=int(raw)).first() if raw.isdecimal() else None
    if person is None:
        messages.error(request, "Personne inconnue : cherchez-la à nouveau.")
    else:
        services.visit_link_person(visit=visit, person=person, user=request.user)
        messages.success(request, f"Visite rattachée à la fiche de {person.full_name}.")
    return redirect("reception:visit_detail", visit_id=visit.pk)


# --- Referrals -------------------------------------------------------------------------------


@operator_view(*STAFF)
def referral_create(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit.objects.select_related("stop__site"), pk=visit_id)
    if request.method == "POST":
        form = ReferralForm(request.POST, operator=request.operator)
        if form.is_valid():
            try:
                services.referral_create(
                    visit=visit,
                    partner=form.cleaned_data["partner"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(
                    request, f"Orientation proposée vers {form.cleaned_data['partner']}."
                )
                return redirect("reception:visit_detail", visit_id=visit.pk)
    else:
        form = ReferralForm(operator=request.operator)
    return render(request, "reception/referral_form.html", {"form": form, "visit": visit})


def _referrals_of(request):
    referrals = scoped(request, Referral)
    if _is_partner(request):
        referrals = referrals.for_partner(request.membership.partner)
    return referrals


@operator_view(Role.COORDINATOR, Role.AGENT, Role.PARTNER)
def referral_list(request):
    now = timezone.now()
    days = request.operator.referral_overdue_days
    referrals = _referrals_of(request).with_details()
    status = request.GET.get("statut", "")
    if status not in ReferralStatus.values:
        status = ""
    listed = referrals.filter(status=status) if status else referrals
    page = Paginator(listed.order_by("-proposed_at", "-pk"), VISITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    overdue = list(referrals.overdue(now=now, days=days).order_by("proposed_at"))
    counts = dict(_referrals_of(request).values_list("status").annotate(n=Count("pk")).order_by())
    return render(
        request,
        "reception/referral_list.html",
        {
            "page": page,
            "overdue": overdue,
            "days": days,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in ReferralStatus.choices
            ],
        },
    )


@operator_view(Role.COORDINATOR, Role.AGENT, Role.PARTNER)
def referral_detail(request, referral_id: int):
    referral = get_scoped_or_404(
        request,
        _referrals_of(request).with_details().prefetch_related("visit__topics"),
        pk=referral_id,
    )
    allowed = REFERRAL_TRANSITIONS[referral.status]
    form = None
    if allowed:
        form = ReferralStatusForm(request.POST or None, allowed=allowed)
        if request.method == "POST" and form.is_valid():
            try:
                services.referral_update_status(
                    referral=referral,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    user=request.user,
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Statut de l'orientation mis à jour.")
                return redirect("reception:referral_detail", referral_id=referral.pk)
    elif request.method == "POST":
        messages.error(request, "Cette orientation est close : son statut ne change plus.")
    events = referral.events.select_related("changed_by").order_by("changed_at", "pk")
    overdue = referral.is_overdue(now=timezone.now(), days=request.operator.referral_overdue_days)
    # A partner reads the person's name and contact only if the person agreed to be followed in
    # their referrals to partners; consent for the bus team's follow-up or reminders is not that.
    person = referral.visit.person
    show_person = person is not None and (
        not _is_partner(request) or person.consent_purpose == ConsentPurpose.REFERRAL
    )
    return render(
        request,
        "reception/referral_detail.html",
        {
            "referral": referral,
            "form": form,
            "events": events,
            "overdue": overdue,
            "partner_view": _is_partner(request),
            "show_person": show_person,
        },
    )


# --- Cyber-atelier ---------------------------------------------------------------------------


@operator_view(*STAFF)
def cyber_usage(request, stop_id: int):
    stop = get_scoped_or_404(request, Stop.objects.select_related("site", "vehicle"), pk=stop_id)
    seats = (
        scoped(request, Space)
        .filter(vehicle=stop.vehicle, kind=SpaceKind.CYBER)
        .values_list("capacity", flat=True)
        .first()
    ) or services.CYBER_SEATS_DEFAULT
    usage = scoped(request, CyberUsage).filter(stop=stop).first()
    cyber_visits = scoped(request, Visit).filter(stop=stop, cyber_used=True).count()
    if request.method == "POST":
        form = CyberUsageForm(request.POST)
        if form.is_valid():
            try:
                services.cyber_usage_record(
                    operator=request.operator,
                    stop=stop,
                    user=request.user,
                    seats_available=seats,
                    **form.cleaned_data,
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, "Utilisation du cyber@atelier enregistrée.")
                return redirect(
                    "reception:today"
                    if stop.date == timezone.localdate()
                    else "reception:visit_list"
                )
    else:
        initial = (
            {"seats_used": usage.seats_used, "people_count": usage.people_count}
            if usage
            else {"seats_used": min(cyber_visits, seats), "people_count": cyber_visits}
        )
        form = CyberUsageForm(initial=initial)
    return render(
        request,
        "reception/cyber_usage.html",
        {"form": form, "stop": stop, "seats": seats, "cyber_visits": cyber_visits},
    )


# --- Settings (coordinator) ------------------------------------------------------------------


@operator_view(Role.COORDINATOR)
def reception_settings(request):
    operator = request.operator
    settings_form = SettingsForm(
        initial={
            "neighbourhood_name": operator.neighbourhood_name,
            "neighbourhood_streets": operator.neighbourhood_streets,
            "referral_overdue_days": operator.referral_overdue_days,
        }
    )
    topic_form = TopicForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "settings":
            settings_form = SettingsForm(request.POST)
            if settings_form.is_valid():
                services.reception_settings_update(operator=operator, **settings_form.cleaned_data)
                messages.success(request, "Réglages enregistrés.")
                return redirect("reception:settings")
        elif action == "topic_add":
            topic_form = TopicForm(request.POST)
            if topic_form.is_valid():
                try:
                    services.topic_create(operator=operator, name=topic_form.cleaned_data["name"])
                except ValidationError as error:
                    _form_error(topic_form, error)
                else:
                    messages.success(request, "Thématique ajoutée.")
                    return redirect("reception:settings")
        elif action in ("topic_archive", "topic_restore"):
            raw = request.POST.get("topic", "")
            topic = scoped(request, Topic).filter(pk=int(raw)).first() if raw.isdecimal() else None
            if topic is None:
                messages.error(request, "Thématique inconnue.")
            else:
                services.topic_set_archived(topic=topic, archived=action == "topic_archive")
                messages.success(request, "Thématique mise à jour.")
            return redirect("reception:settings")
        else:
            messages.error(request, "Action inconnue.")
    topics = (
        scoped(request, Topic)
        .annotate(visit_count=Count("visits"))
        .order_by("is_archived", "position", "name")
    )
    return render(
        request,
        "reception/settings.html",
        {"settings_form": settings_form, "topic_form": topic_form, "topics": topics},
    )
