"""The screening screens: the form offered from a visit, the estimate, a right turned into a
referral, the right's outcome (the partner's or the team's), and the coordinator's settings."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import record
from allervers.core.form_views import form_submit, posted, render_form
from allervers.core.pages import ConfirmForm, confirm_page
from allervers.core.pdf import pdf_from_template
from allervers.core.roles import COORDINATOR_ROLES, STAFF_ROLES, Role
from allervers.core.tenancy import get_scoped_or_404, has_role, operator_view
from allervers.reception.models import Visit
from allervers.submissions.tokens import once_per_token

from . import services, sharing
from .enums import CHANNEL_WORDS, RightKind
from .forms import (
    EstimatedRightsSendForm,
    RightOutcomeForm,
    RightReferForm,
    ScreeningForm,
    ScreeningSetupForm,
)
from .models import EstimatedRightsLink, Screening, ScreeningRight
from .rights import RIGHTS
from .services import screening_setup
from .take_home import estimated_rights_content, refusal_of, rights_shown


@operator_view(*STAFF_ROLES)
@once_per_token
def screening_create(request, visit_id: int):
    visit = get_scoped_or_404(request, Visit.objects.select_related("stop__site"), pk=visit_id)
    setup = screening_setup(request.operator)
    form = ScreeningForm(posted(request), initial={"commune": setup.default_commune})
    submission = form_submit(
        request,
        form,
        lambda data: services.screening_record(
            visit=visit, inputs=form.inputs(), user=request.user, request=request
        ),
    )
    if submission.done:
        return redirect("screening:detail", screening_id=submission.result.pk)
    return render_form(request, "screening/form.html", {"form": form, "visit": visit})


@operator_view(*STAFF_ROLES)
def screening_detail(request, screening_id: int):
    screening = get_scoped_or_404(request, Screening.objects.with_rights(), pk=screening_id)
    setup = screening_setup(request.operator)
    kinds_found = [RightKind(kind).label for kind in screening.kinds_found]
    return render_form(
        request,
        "screening/detail.html",
        {
            "screening": screening,
            "rights": rights_shown(screening, setup),
            "kinds_found": kinds_found,
            "can_set_up": has_role(request, COORDINATOR_ROLES),
            "links": screening.links.order_by("-created_at", "-pk"),
            "now": timezone.now(),
        },
        forms_shown=[],
    )


def _estimated_rights(request, screening_id: int) -> dict:
    """What the page « Vos droits estimés » shows (`take_home`); the person's name only when
    asked (`?nom=1`) and known, its reading logged."""
    screening = get_scoped_or_404(
        request, Screening.objects.with_rights().select_related("visit__person"), pk=screening_id
    )
    context = estimated_rights_content(
        screening=screening,
        operator=request.operator,
        named=request.GET.get("nom") == "1",
        today=timezone.localdate(),
    )
    if context["named"] and not context["refusal"]:
        record(request, Action.PERSON_VIEWED, screening.visit, detail="vos droits estimés")
    return context


@operator_view(*STAFF_ROLES)
def estimated_rights(request, screening_id: int):
    """« Vos droits estimés »: the printable page handed to the person."""
    return render(
        request, "screening/estimated_rights.html", _estimated_rights(request, screening_id)
    )


@operator_view(*STAFF_ROLES)
def estimated_rights_pdf(request, screening_id: int):
    """« Vos droits estimés » as a one-page PDF."""
    context = _estimated_rights(request, screening_id)
    if context["refusal"]:
        messages.error(request, context["refusal"])
        return redirect("screening:detail", screening_id=screening_id)
    pdf = pdf_from_template("screening/estimated_rights_pdf.html", context, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="vos-droits-estimes.pdf"'
    return response


@operator_view(*STAFF_ROLES)
@once_per_token
def estimated_rights_send(request, screening_id: int):
    """« Vos droits estimés » sent to the person by e-mail or SMS, as a link, with her consent."""
    screening = get_scoped_or_404(
        request, Screening.objects.select_related("visit"), pk=screening_id
    )
    refusal = refusal_of(screening)
    form = EstimatedRightsSendForm(
        posted(request), named_allowed=screening.visit.person_id is not None
    )
    submission = form_submit(
        request,
        form,
        lambda data: sharing.estimated_rights_link_send(
            screening=screening,
            channel=data["channel"],
            recipient=data["recipient"],
            consent=data["consent"],
            named=data.get("named", False),
            user=request.user,
            request=request,
        ),
    )
    if submission.done:
        link = submission.result
        messages.success(
            request,
            f"« Vos droits estimés » part par {CHANNEL_WORDS[link.channel]} vers "
            f"{link.recipient_shown} (lien valable {sharing.LINK_DAYS} jours).",
        )
        return redirect("screening:detail", screening_id=screening.pk)
    return render_form(
        request,
        "screening/send.html",
        {"form": form, "screening": screening, "refusal": refusal, "days": sharing.LINK_DAYS},
    )


@operator_view(*STAFF_ROLES)
def estimated_rights_link_revoke(request, link_id: int):
    """The agent withdraws a sent link (asked before)."""
    link = get_scoped_or_404(request, EstimatedRightsLink, pk=link_id)
    back_url = reverse("screening:detail", kwargs={"screening_id": link.screening_id})
    form = ConfirmForm(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: sharing.estimated_rights_link_revoke(
            link=link, user=request.user, request=request
        ),
    )
    if submission.done:
        messages.success(request, "Le lien est retiré : il n'ouvre plus la page.")
        return redirect(back_url)
    return confirm_page(
        request,
        form,
        title="Retirer le lien « Vos droits estimés »",
        intro=(
            f"Le lien envoyé par {CHANNEL_WORDS[link.channel]} à {link.recipient_shown} "
            "n'ouvrira plus la page. La personne pourra demander un nouvel envoi."
        ),
        submit="Retirer le lien",
        back_url=back_url,
    )


@operator_view(*STAFF_ROLES)
@once_per_token
def screening_rerun(request, screening_id: int):
    """« Relancer le calcul » of a screening whose estimate failed or ran past its bound."""
    screening = get_scoped_or_404(request, Screening, pk=screening_id)
    form = RightReferForm(posted(request))
    submission = form_submit(
        request, form, lambda data: services.screening_estimate(screening=screening)
    )
    if submission.done and submission.result.estimated_at is not None:
        messages.success(request, "Le calcul des droits a abouti.")
    for message in form.non_field_errors():  # a refusal (answers already emptied)
        messages.error(request, message)
    return redirect("screening:detail", screening_id=screening.pk)


@operator_view(*STAFF_ROLES)
@once_per_token
def right_refer(request, right_id: int):
    right = get_scoped_or_404(
        request, ScreeningRight.objects.select_related("screening__visit"), pk=right_id
    )
    form = RightReferForm(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: services.screening_right_refer(
            right=right, user=request.user, request=request
        ),
    )
    if submission.done:
        referral = submission.result
        messages.success(request, f"Orientation proposée vers {referral.partner}.")
        if right.screening_id:
            return redirect("screening:detail", screening_id=right.screening_id)
        return redirect("reception:referral_detail", referral_id=referral.pk)
    setup = screening_setup(request.operator)
    return render_form(
        request,
        "screening/refer.html",
        {"form": form, "right": right, "partner": setup.partner_for(right.kind)},
    )


def _rights_of(request):
    rights = ScreeningRight.objects.select_related("referral__partner").filter(
        referral__isnull=False
    )
    if has_role(request, {Role.PARTNER}):
        rights = rights.filter(referral__partner=request.membership.partner)
    return rights


@operator_view(*STAFF_ROLES, Role.PARTNER)
def right_outcome(request, right_id: int):
    right = get_scoped_or_404(request, _rights_of(request), pk=right_id)
    form = RightOutcomeForm(posted(request))
    submission = form_submit(
        request,
        form,
        lambda data: services.screening_right_outcome_set(
            right=right, outcome=data["outcome"], user=request.user, request=request
        ),
    )
    if submission.done:
        messages.success(request, f"Issue enregistrée : {submission.result.get_outcome_display()}.")
        return redirect("reception:referral_detail", referral_id=right.referral_id)
    return render_form(request, "screening/outcome.html", {"form": form, "right": right})


@operator_view(*COORDINATOR_ROLES)
def setup(request):
    instance = screening_setup(request.operator)
    form = ScreeningSetupForm(posted(request), instance=instance, operator=request.operator)
    submission = form_submit(
        request,
        form,
        lambda data: services.screening_setup_update(operator=request.operator, values=data),
    )
    if submission.done:
        messages.success(request, "Réglages du repérage des droits enregistrés.")
        return redirect("screening:setup")
    rows = [(form[f"partner_{kind}"], RIGHTS[kind]) for kind in RightKind.values]
    return render_form(request, "screening/setup.html", {"form": form, "rows": rows})
