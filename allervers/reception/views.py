"""Back-office views of the reception log: thin, guarded by `operator_view`.

They read through `reception/queries.py` (scoped to the request's operator), write through
`reception/services/`, and handle their forms with the one pattern of `core/form_views.py`.
"""

import base64

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.reads import record_people, shows_person
from allervers.accesslog.services import period_text, record
from allervers.core.fields import id_from
from allervers.core.form_views import INVALID_FORM_STATUS, form_submit, posted, render_form
from allervers.core.roles import COORDINATOR_ROLES, STAFF_ROLES, Role
from allervers.core.tenancy import get_scoped_or_404, has_role, operator_view, scoped
from allervers.planning.enums import DEFAULT_CYBER_CAPACITY
from allervers.planning.models import Stop
from allervers.screening.closing import FIELD as OUTCOME_FIELD
from allervers.screening.closing import pending_right
from allervers.submissions.tokens import once_per_token

from . import exporting, importing, person_export, queries
from .enums import REFERRAL_TRANSITIONS, ConsentPurpose, ErasureDecision, ReferralStatus
from .forms import (
    ConsentGiveForm,
    ConsentWithdrawForm,
    CyberUsageForm,
    ErasureDecisionForm,
    ErasureRefuseForm,
    ErasureRequestForm,
    PeriodForm,
    PersonEraseForm,
    PersonForm,
    PersonSearchForm,
    ReferralForm,
    ReferralStatusForm,
    SettingsForm,
    TopicForm,
    TopicRenameForm,
    VisitForm,
    VisitImportForm,
    current_stop,
)
from .models import ErasureRequest, Person, Topic, Visit
from .questions import answers_by_section
from .services import privacy
from .services.cyber import cyber_usage_record
from .services.imports import visits_import
from .services.persons import person_create_with_consent, visit_link_person
from .services.privacy import consent_give, consent_withdraw
from .services.reception_settings import reception_settings_update
from .services.referrals import referral_create, referral_update_status
from .services.topics import topic_create, topic_move, topic_rename, topic_set_archived
from .services.visits import visit_correct, visit_finish, visit_record_once

VISITS_PER_PAGE = 50
IMPORT_SESSION_KEY = "reception_import"
PERSON_RESULTS_LIMIT = 30


def _is_partner(request) -> bool:
    return has_role(request, {Role.PARTNER})


# --- Today's visits and the tablet form -------------------------------------------------------


@operator_view(*STAFF_ROLES)
def today(request):
    """Today's visits, stop by stop: who is still in the bus, since when; who has left."""
    now = timezone.now()
    day = timezone.localtime(now).date()
    stops = queries.todays_stops(request.operator, day)
    boards = queries.day_board(request.operator, day, stops)
    usages = queries.cyber_usages_by_stop(request.operator, stops)
    for board in boards:
        board.cyber_usage = usages.get(board.stop.pk)
        for visit in board.in_bus:
            visit.minutes_in_bus = max(0, round((now - visit.arrived_at).total_seconds() / 60))
    overdue = queries.overdue_referral_count(request.operator, now)
    return render(
        request,
        "reception/today.html",
        {"day": day, "by_stop": boards, "overdue_count": overdue},
    )


def _new_visit_initial(operator, now) -> dict:
    """A new visit: at the stop running now, arriving now."""
    stops = queries.recent_stops(operator, timezone.localtime(now).date())
    default_stop = current_stop(stops, now)
    return {
        "stop": default_stop.pk if default_stop else None,
        "arrival_time": timezone.localtime(now).time().replace(second=0, microsecond=0),
    }


@operator_view(*STAFF_ROLES)
@once_per_token
def visit_create(request):
    now = timezone.now()
    initial = None if request.method == "POST" else _new_visit_initial(request.operator, now)
    form = VisitForm(posted(request), operator=request.operator, now=now, initial=initial)
    submission = form_submit(
        request,
        form,
        lambda data: visit_record_once(
            operator=request.operator,
            user=request.user,
            request=request,
            client_id=data["client_id"],
            now=now,
            **form.service_arguments(),
        ),
    )
    if submission.done:
        visit, created = submission.result
        arrival = f"arrivée à {timezone.localtime(visit.arrived_at):%H:%M}"
        if created:
            messages.success(request, f"Visite enregistrée : {arrival}.")
        else:  # sent again after its answer was lost (reception/sync.py)
            messages.info(request, f"Cette visite était déjà enregistrée : {arrival}.")
        if visit.stop.date == timezone.localtime(now).date():
            return redirect("reception:today")
        return redirect("reception:visit_detail", visit_id=visit.pk)
    return render_form(request, "reception/visit_form.html", {"form": form, "creating": True})


@operator_view(*STAFF_ROLES)
def visit_finish_now(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit, pk=visit_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        visit = visit_finish(visit=visit, user=request.user, request=request)
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


@operator_view(*STAFF_ROLES)
@shows_person
def visit_detail(request, visit_id: int):
    visit = get_scoped_or_404(request, queries.visit_detail(request.operator), pk=visit_id)
    referrals = visit.referrals.select_related("partner").order_by("proposed_at")
    if visit.person_id:  # the page names the person and shows their situation
        record(request, Action.PERSON_VIEWED, visit, detail="page d'une visite")
    return render(
        request,
        "reception/visit_detail.html",
        {
            "visit": visit,
            "answers": answers_by_section(visit),
            "can_finish": not visit.left_at
            and timezone.localtime(visit.arrived_at).date() == timezone.localdate(),
            "referrals": referrals,
            "referral_form": ReferralForm(operator=request.operator),
            "person_search_form": PersonSearchForm(),
        },
    )


@operator_view(*STAFF_ROLES)
@shows_person
def visit_edit(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit.objects.with_details(), pk=visit_id)
    if visit.person_id and request.method != "POST":  # the form names the person
        record(request, Action.PERSON_VIEWED, visit, detail="correction d'une visite")
    now = timezone.now()
    initial = None if request.method == "POST" else VisitForm.initial_for(visit)
    form = VisitForm(
        posted(request), operator=request.operator, now=now, visit=visit, initial=initial
    )
    submission = form_submit(
        request,
        form,
        lambda data: visit_correct(
            visit=visit, user=request.user, now=now, request=request, **form.service_arguments()
        ),
    )
    if submission.done:
        messages.success(request, "Visite corrigée : la modification est dans l'historique.")
        return redirect("reception:visit_detail", visit_id=visit.pk)
    return render_form(
        request,
        "reception/visit_form.html",
        {"form": form, "visit": visit, "creating": False},
    )


def _period(form: PeriodForm) -> tuple:
    """The period of a valid `PeriodForm` (None for an open end)."""
    return form.cleaned_data.get("start"), form.cleaned_data.get("end")


@operator_view(*STAFF_ROLES)
def visit_list(request):
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        visits = Visit.objects.none()
    else:
        start, end = _period(form) if form.is_bound else (None, None)
        visits = queries.visits_for_list(request.operator, start, end)
    page = Paginator(visits, VISITS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_form(
        request,
        "reception/visit_list.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@operator_view(*COORDINATOR_ROLES)
def visit_export(request):
    form = PeriodForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect("reception:visit_list")
    start, end = _period(form) if form.is_bound else (None, None)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="visites.csv"'
    exporting.visits_write_csv(response, operator=request.operator, start=start, end=end)
    record(request, Action.EXPORT_DOWNLOADED, detail=f"visites, {period_text(start, end)} (CSV)")
    return response


# --- Import --------------------------------------------------------------------------------


def _import_confirm(request):
    """Import the file checked before (kept in the session): a redirect, or the refusal."""
    stored = request.session.get(IMPORT_SESSION_KEY)
    if not stored:
        messages.error(request, "Aucun fichier vérifié à importer : déposez-le à nouveau.")
        return redirect("reception:visit_import"), None
    try:
        count = visits_import(
            operator=request.operator,
            user=request.user,
            name=stored["name"],
            content=base64.b64decode(stored["content"]),
            skip_duplicates=request.POST.get("skip_duplicates") == "on",
            create_stops=request.POST.get("create_stops") == "on",
            request=request,
        )
    except importing.ImportRefused as refused:
        return None, refused.report
    del request.session[IMPORT_SESSION_KEY]
    messages.success(request, f"{count} visites importées.")
    return redirect("reception:visit_list"), None


def _import_check(request, form: VisitImportForm):
    """Check the uploaded file (a dry run); keep it in the session when it can be imported."""
    upload = form.cleaned_data["file"]
    if upload.size > importing.MAX_FILE_BYTES:
        form.add_error("file", importing.FILE_TOO_BIG)
        return None
    content = upload.read()
    report = importing.visits_check(operator=request.operator, name=upload.name, content=content)
    if report.is_valid:
        request.session[IMPORT_SESSION_KEY] = {
            "name": upload.name,
            "content": base64.b64encode(content).decode("ascii"),
        }
    else:
        request.session.pop(IMPORT_SESSION_KEY, None)
    return report


@operator_view(*STAFF_ROLES)
@once_per_token
def visit_import(request):
    report = None
    confirm_refused = False
    form = VisitImportForm()
    if request.method == "POST" and request.POST.get("action") == "confirm":
        response, report = _import_confirm(request)
        if response is not None:
            return response
        confirm_refused = True
    elif request.method == "POST":
        form = VisitImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = _import_check(request, form)
    response = render_form(
        request,
        "reception/visit_import.html",
        {"form": form, "report": report, "columns": importing.COLUMNS},
    )
    if confirm_refused:
        # A confirmation refused (a box it needs left unticked, the file no longer valid) is
        # an invalid form like any other: nothing saved, 400.
        response.status_code = INVALID_FORM_STATUS
    return response


# --- People who consent ----------------------------------------------------------------------


@operator_view(*STAFF_ROLES)
@shows_person
def person_search(request):
    """Search by name through POST only: a name never appears in a URL."""
    results = None
    link_visit = _visit_to_link(request)
    searching = request.method == "POST" and "query" in request.POST
    form = PersonSearchForm(request.POST if searching else None)
    if searching and form.is_valid():
        results = queries.people_matching(
            request.operator, form.cleaned_data["query"], PERSON_RESULTS_LIMIT
        )
        record_people(request, results, detail="résultat de recherche")
    return render_form(
        request,
        "reception/person_search.html",
        {"form": form, "results": results, "link_visit": link_visit},
    )


def _visit_to_link(request) -> Visit | None:
    raw = request.POST.get("visit") or request.GET.get("visite")
    if id_from(raw) is None:
        return None
    return scoped(request, Visit).filter(pk=id_from(raw)).first()


@operator_view(*STAFF_ROLES)
@once_per_token
def person_create(request):
    link_visit = _visit_to_link(request)
    initial = {"consent_given_on": timezone.localdate()}
    form = PersonForm(posted(request), initial=initial)
    submission = form_submit(
        request,
        form,
        lambda data: person_create_with_consent(
            operator=request.operator,
            user=request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            phone=data["phone"],
            email=data["email"],
            consent_given_on=data["consent_given_on"],
            consent_purposes=data["consent_purposes"],
            visit=link_visit,
            request=request,
        ),
    )
    if submission.done:
        messages.success(request, "Fiche créée avec le consentement de la personne.")
        return redirect("reception:person_detail", person_id=submission.result.pk)
    return render_form(
        request, "reception/person_form.html", {"form": form, "link_visit": link_visit}
    )


@operator_view(*STAFF_ROLES)
@shows_person
def person_detail(request, person_id: int):
    person = get_scoped_or_404(request, Person, pk=person_id)
    record(request, Action.PERSON_VIEWED, person)
    visits = queries.visits_of_person(person)
    appointments = [v for v in visits if v.mode == "appointment"]
    consents = queries.consents_of_person(person)
    return render(
        request,
        "reception/person_detail.html",
        {
            "person": person,
            "consents": consents,
            "has_consent_in_force": any(c.withdrawn_at is None for c in consents),
            "can_give_consent": len({c.purpose for c in consents if c.withdrawn_at is None})
            < len(ConsentPurpose.values),
            "visits": visits,
            "referrals": queries.referrals_of_person(request.operator, person),
            "appointments": appointments,
            "may_erase": privacy.may_erase_directly(request),
            "pending_erasure": ErasureRequest.objects.pending().filter(person=person).first(),
        },
    )


# --- A person's rights: withdraw a consent, export, erase ------------------------------------


@operator_view(*STAFF_ROLES)
@once_per_token
@shows_person
def person_consent_withdraw(request, person_id: int):
    person = get_scoped_or_404(request, Person, pk=person_id)
    if request.method != "POST":
        record(request, Action.PERSON_VIEWED, person, detail="retrait d'un accord")
    purposes = list(person.consents.active().values_list("purpose", flat=True))
    form = ConsentWithdrawForm(posted(request), purposes=purposes)
    submission = form_submit(
        request,
        form,
        lambda data: consent_withdraw(person=person, purpose=data["purpose"], request=request),
    )
    if submission.done:
        label = ConsentPurpose(form.cleaned_data["purpose"]).label
        if submission.result == 0:
            messages.warning(
                request,
                f"Accord retiré : « {label} ». La personne n'a plus donné aucun accord : sa fiche "
                "ne peut pas être gardée. Effacez-la maintenant (sinon elle sera rendue anonyme "
                "cette nuit).",
            )
            return redirect("reception:person_erase", person_id=person.pk)
        messages.success(request, f"Accord retiré : « {label} ». Le retrait s'applique déjà.")
        return redirect("reception:person_detail", person_id=person.pk)
    return render_form(
        request,
        "reception/person_consent_withdraw.html",
        {"form": form, "person": person, "last_one": len(purposes) == 1},
    )


@operator_view(*STAFF_ROLES)
@once_per_token
@shows_person
def person_consent_give(request, person_id: int):
    person = get_scoped_or_404(request, Person, pk=person_id)
    if request.method != "POST":
        record(request, Action.PERSON_VIEWED, person, detail="nouvel accord")
    in_force = set(person.consents.active().values_list("purpose", flat=True))
    purposes = [purpose for purpose in ConsentPurpose.values if purpose not in in_force]
    initial = {"consent_given_on": timezone.localdate()}
    form = ConsentGiveForm(posted(request), purposes=purposes, initial=initial)
    submission = form_submit(
        request,
        form,
        lambda data: consent_give(person=person, request=request, **form.service_arguments()),
    )
    if submission.done:
        messages.success(request, "Accord enregistré.")
        return redirect("reception:person_detail", person_id=person.pk)
    return render_form(
        request, "reception/person_consent_give.html", {"form": form, "person": person}
    )


def _person_export_data(request, person_id: int, kind: str) -> tuple[Person, dict]:
    person = get_scoped_or_404(request, Person, pk=person_id)
    record(request, Action.PERSON_EXPORTED, person, detail=f"export complet ({kind})")
    return person, person_export.person_data(request.operator, person)


def _attachment(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@operator_view(*STAFF_ROLES)
@shows_person
def person_export_json(request, person_id: int):
    person, data = _person_export_data(request, person_id, "JSON")
    return _attachment(
        person_export.person_json(data),
        "application/json; charset=utf-8",
        f"personne-{person.pk}.json",
    )


@operator_view(*STAFF_ROLES)
@shows_person
def person_export_pdf(request, person_id: int):
    person, data = _person_export_data(request, person_id, "PDF")
    return _attachment(
        person_export.person_pdf(data), "application/pdf", f"personne-{person.pk}.pdf"
    )


def _erase_context(request, person: Person) -> dict:
    return {
        "person": person,
        "visit_count": person.visits.count(),
        "referral_count": queries.referrals_of_person(request.operator, person).count(),
        "consent_count": person.consents.count(),
    }


def _erased_message(done: privacy.Anonymised) -> str:
    return (
        f"Fiche effacée. {done.visits} visite(s) et {done.referrals} orientation(s) restent, "
        "anonymes, pour les chiffres du service."
        + (
            f" Ses {done.bookings} réservation(s) n'ont plus ni son nom ni ses coordonnées."
            if done.bookings
            else ""
        )
    )


@operator_view(*STAFF_ROLES)
@once_per_token
@shows_person
def person_erase(request, person_id: int):
    """A coordinator (or an agent when the structure allows it) erases at once; otherwise an
    agent asks the coordination to erase (`privacy.erasure_request`)."""
    person = get_scoped_or_404(request, Person, pk=person_id)
    if request.method != "POST":
        record(request, Action.PERSON_VIEWED, person, detail="confirmation d'effacement")
    if not privacy.may_erase_directly(request):
        return _erasure_ask(request, person)
    form = PersonEraseForm(posted(request))
    submission = form_submit(
        request, form, lambda data: privacy.person_erase(person=person, request=request)
    )
    if submission.done:
        messages.success(request, _erased_message(submission.result))
        return redirect("reception:person_search")
    return render_form(
        request, "reception/person_erase.html", {"form": form, **_erase_context(request, person)}
    )


def _erasure_ask(request, person: Person):
    pending = ErasureRequest.objects.pending().filter(person=person).first()
    form = ErasureRequestForm(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: privacy.erasure_request(person=person, request=request, reason=data["reason"]),
    )
    if submission.done:
        messages.success(
            request,
            "Demande d'effacement transmise à la coordination. La fiche reste jusqu'à ce "
            "qu'une personne de la coordination la confirme.",
        )
        return redirect("reception:person_detail", person_id=person.pk)
    return render_form(
        request,
        "reception/erasure_ask.html",
        {"form": form, "pending": pending, **_erase_context(request, person)},
    )


@operator_view(*COORDINATOR_ROLES)
@shows_person
def erasure_request_list(request):
    """The erasure requests waiting for a coordinator's decision, the oldest first."""
    pending = ErasureRequest.objects.for_operator(request.operator).pending()
    page = Paginator(
        pending.select_related("person", "requested_by").order_by("requested_at", "pk"), 50
    ).get_page(request.GET.get("page"))
    record_people(request, [item.person for item in page], detail="demandes d'effacement")
    return render(request, "reception/erasure_request_list.html", {"page": page, "query": ""})


@operator_view(*COORDINATOR_ROLES)
@shows_person
def erasure_request_decide(request, erasure_request_id: int):
    """Confirm (the person is erased) or refuse (with a reason) one request."""
    erasure_request = get_scoped_or_404(
        request,
        ErasureRequest.objects.select_related("person", "requested_by", "decided_by"),
        pk=erasure_request_id,
    )
    person = erasure_request.person
    decision_form = ErasureDecisionForm(posted(request))
    decision = decision_form.cleaned_data["decision"] if decision_form.is_valid() else None
    confirm_form = PersonEraseForm(posted(request) if decision == "confirm" else None)
    refuse_form = ErasureRefuseForm(posted(request) if decision == "refuse" else None)
    if decision == "confirm":
        submission = form_submit(
            request,
            confirm_form,
            lambda data: privacy.erasure_request_confirm(
                erasure_request=erasure_request, request=request
            ),
        )
        if submission.done:
            messages.success(request, _erased_message(submission.result))
            return redirect("reception:erasure_request_list")
    elif decision == "refuse":
        submission = form_submit(
            request,
            refuse_form,
            lambda data: privacy.erasure_request_refuse(
                erasure_request=erasure_request,
                request=request,
                refusal_reason=data["refusal_reason"],
            ),
        )
        if submission.done:
            messages.success(request, "Demande d'effacement refusée : la fiche reste.")
            return redirect("reception:erasure_request_list")
    context = {
        "erasure_request": erasure_request,
        "confirm_form": confirm_form,
        "refuse_form": refuse_form,
        "decision_form": decision_form,
    }
    if person is not None:
        record(request, Action.PERSON_VIEWED, person, detail="demande d'effacement")
        if erasure_request.decision == ErasureDecision.PENDING:
            context.update(_erase_context(request, person))
    return render_form(
        request,
        "reception/erasure_request_decide.html",
        context,
        forms_shown=[decision_form, confirm_form, refuse_form],
    )


@operator_view(*COORDINATOR_ROLES)
@shows_person
def retention(request):
    """What the next runs of the retention sweep will anonymise, and when."""
    outlook = privacy.retention_outlook(request.operator, timezone.now())
    shown = [*outlook.due, *outlook.soon]
    record_people(request, shown, detail="conservation des données")
    return render(
        request,
        "reception/retention.html",
        {"outlook": outlook, "access_log_months": settings.ALLERVERS_ACCESS_LOG_MONTHS},
    )


@operator_view(*STAFF_ROLES)
def visit_person_link(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit, pk=visit_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    raw = request.POST.get("person", "")
    person = scoped(request, Person).filter(pk=id_from(raw)).first() if id_from(raw) else None
    if person is None:
        messages.error(request, "Personne inconnue : cherchez-la à nouveau.")
        return redirect("reception:visit_detail", visit_id=visit.pk)
    try:
        visit_link_person(visit=visit, person=person, user=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Visite rattachée à la fiche de {person.full_name}.")
    return redirect("reception:visit_detail", visit_id=visit.pk)


# --- Referrals -------------------------------------------------------------------------------


@operator_view(*STAFF_ROLES)
@once_per_token
def referral_propose(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit.objects.select_related("stop__site"), pk=visit_id)
    form = ReferralForm(posted(request), operator=request.operator)
    submission = form_submit(
        request,
        form,
        lambda data: referral_create(
            visit=visit,
            partner=data["partner"],
            reason=data["reason"],
            user=request.user,
            request=request,
        ),
    )
    if submission.done:
        messages.success(request, f"Orientation proposée vers {form.cleaned_data['partner']}.")
        return redirect("reception:visit_detail", visit_id=visit.pk)
    return render_form(request, "reception/referral_form.html", {"form": form, "visit": visit})


def _referrals_of(request):
    partner = request.membership.partner if _is_partner(request) else None
    return queries.referrals_for(request.operator, partner)


@operator_view(*STAFF_ROLES, Role.PARTNER)
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
    overdue_all = referrals.overdue(now=now, days=days)
    overdue = list(overdue_all.order_by("proposed_at")[:VISITS_PER_PAGE])
    overdue_count = overdue_all.count() if len(overdue) == VISITS_PER_PAGE else len(overdue)
    counts = queries.referral_counts(_referrals_of(request))
    return render(
        request,
        "reception/referral_list.html",
        {
            "page": page,
            "overdue": overdue,
            "overdue_count": overdue_count,
            "days": days,
            "status": status,
            "statuses": [
                (value, label, counts.get(value, 0)) for value, label in ReferralStatus.choices
            ],
        },
    )


@operator_view(*STAFF_ROLES, Role.PARTNER)
@shows_person
def referral_detail(request, referral_id: int):
    referral = get_scoped_or_404(
        request,
        _referrals_of(request).with_details().prefetch_related("visit__topics"),
        pk=referral_id,
    )
    allowed = REFERRAL_TRANSITIONS[referral.status]
    form = None
    if allowed:
        form = ReferralStatusForm(
            posted(request),
            allowed=allowed,
            version=referral.version,
            right=pending_right(referral),
        )
        submission = form_submit(
            request,
            form,
            lambda data: referral_update_status(
                referral=referral,
                status=data["status"],
                note=data["note"],
                user=request.user,
                version=data["version"],
                right_outcome=data.get(OUTCOME_FIELD, ""),
                request=request,
            ),
        )
        if submission.done:
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
        not _is_partner(request) or person.has_consent(ConsentPurpose.REFERRAL)
    )
    if show_person:  # the page names the person and gives their contact
        record(request, Action.PERSON_VIEWED, referral, detail="page d'une orientation")
    return render_form(
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


@operator_view(*STAFF_ROLES)
def cyber_usage(request, stop_id: int):
    stop = get_scoped_or_404(request, Stop.objects.select_related("site", "vehicle"), pk=stop_id)
    seats = queries.cyber_seats(request.operator, stop) or DEFAULT_CYBER_CAPACITY
    cyber_visits = queries.cyber_visit_count(request.operator, stop)
    initial = None
    if request.method != "POST":
        usage = queries.cyber_usages_by_stop(request.operator, [stop]).get(stop.pk)
        initial = (
            {"seats_used": usage.seats_used, "people_count": usage.people_count}
            if usage
            else {"seats_used": min(cyber_visits, seats), "people_count": cyber_visits}
        )
    form = CyberUsageForm(posted(request), initial=initial)
    submission = form_submit(
        request,
        form,
        lambda data: cyber_usage_record(
            operator=request.operator,
            stop=stop,
            user=request.user,
            seats_available=seats,
            **data,
        ),
    )
    if submission.done:
        messages.success(request, "Utilisation du cyber@atelier enregistrée.")
        return redirect(
            "reception:today" if stop.date == timezone.localdate() else "reception:visit_list"
        )
    return render_form(
        request,
        "reception/cyber_usage.html",
        {"form": form, "stop": stop, "seats": seats, "cyber_visits": cyber_visits},
    )


# --- Settings (coordinator) ------------------------------------------------------------------


# What the topic buttons of the settings page do (renaming has its own form).
TOPIC_ACTIONS = {
    "topic_archive": lambda topic: topic_set_archived(topic=topic, archived=True),
    "topic_restore": lambda topic: topic_set_archived(topic=topic, archived=False),
    "topic_up": lambda topic: topic_move(topic=topic, up=True),
    "topic_down": lambda topic: topic_move(topic=topic, up=False),
    "topic_rename": None,
}


@operator_view(*COORDINATOR_ROLES)
def reception_settings(request):
    operator = request.operator
    action = request.POST.get("action") if request.method == "POST" else None
    settings_form = SettingsForm(
        request.POST if action == "settings" else None,
        initial={
            "neighbourhood_name": operator.neighbourhood_name,
            "neighbourhood_streets": operator.neighbourhood_streets,
            "referral_overdue_days": operator.referral_overdue_days,
        },
    )
    topic_form = TopicForm(request.POST if action == "topic_add" else None)
    rename_form = None
    if action == "settings":
        if form_submit(
            request,
            settings_form,
            lambda data: reception_settings_update(operator=operator, **data),
        ).done:
            messages.success(request, "Réglages enregistrés.")
            return redirect("reception:settings")
    elif action == "topic_add":
        if form_submit(
            request, topic_form, lambda data: topic_create(operator=operator, name=data["name"])
        ).done:
            messages.success(request, "Thématique ajoutée.")
            return redirect("reception:settings")
    elif action in TOPIC_ACTIONS:
        raw = request.POST.get("topic", "")
        topic = scoped(request, Topic).filter(pk=id_from(raw)).first() if id_from(raw) else None
        if topic is None:
            messages.error(request, "Thématique inconnue.")
            return redirect("reception:settings")
        if action == "topic_rename":
            rename_form = TopicRenameForm(request.POST, topic=topic)
            if form_submit(
                request, rename_form, lambda data: topic_rename(topic=topic, name=data["name"])
            ).done:
                messages.success(request, "Thématique renommée.")
                return redirect("reception:settings")
        else:
            TOPIC_ACTIONS[action](topic)
            messages.success(request, "Thématique mise à jour.")
            return redirect("reception:settings")
    elif action is not None:
        messages.error(request, "Action inconnue.")
    return render_form(
        request,
        "reception/settings.html",
        {
            "settings_form": settings_form,
            "topic_form": topic_form,
            "topics": queries.topics_with_visit_counts(operator),
            "rename_form": rename_form,
        },
        forms_shown=[settings_form, topic_form, rename_form],
    )
