"""The residents' « Prévenez-moi » pages (issue 28): subscribe to the bus at chosen sites
without an account, confirm with the code sent by SMS (or e-mail), unsubscribe (a message's
link in one click, or the number and a code), and the inbound SMS webhook (« STOP »).

Plain HTML forms (no JavaScript), not cached, `no-store` (like the booking pages): they carry a
CSRF token and personal details. The cached public page and each site page link here
(`?lieu=<site>` ticks that site). Limits per client address and per number or address
(`ALLERVERS_ALERT_LIMIT_PER_IP`, `ALLERVERS_ALERT_LIMIT_PER_CONTACT` codes a day, counted by
`accounts/counters.py`): a French 429 page, nothing sent."""

import hashlib
import hmac
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from allervers.accounts.counters import counter_increment
from allervers.alerts import links, services
from allervers.alerts.enums import EndReason
from allervers.alerts.forms import CodeForm, SubscribeForm, UnsubscribeForm
from allervers.alerts.models import Subscription
from allervers.bookings.phones import shown_phone
from allervers.core.client_address import client_network
from allervers.core.form_views import INVALID_FORM_STATUS, add_service_error, posted

from .booking_views import _private, booking_page
from .queries import public_sites

DAY_SECONDS = 24 * 60 * 60
IP_KEY = "allervers:alert:ip:{ip}"
CONTACT_KEY = "allervers:alert:contact:{contact}"
TOO_MANY = (
    "Beaucoup de codes ont été demandés aujourd'hui depuis cette connexion ou pour ce numéro. "
    "Pour votre sécurité, il faut attendre demain. Vous pouvez aussi appeler le bus."
)
LINK_REFUSED = (
    "Ce lien n'est pas valable, ou vous êtes déjà désinscrit(e). Vérifiez qu'il a été copié en "
    "entier."
)
UNSUBSCRIBED = "C'est fait : vous ne recevrez plus de messages du bus. Votre numéro est effacé."
CODE_SENT = "Si ce numéro est inscrit, un code vient de lui être envoyé par SMS."
CONFIRMED = "C'est confirmé : vous recevrez un message la veille de chaque passage du bus."
SIGNATURE_HEADER = "X-Allervers-Signature"


def _allowed(request, contact: str) -> bool:
    """Count one code sent from this client and to this number or address."""
    ip_count = counter_increment(IP_KEY.format(ip=client_network(request)), seconds=DAY_SECONDS)
    contact_count = counter_increment(CONTACT_KEY.format(contact=contact), seconds=DAY_SECONDS)
    return (
        ip_count <= settings.ALLERVERS_ALERT_LIMIT_PER_IP
        and contact_count <= settings.ALLERVERS_ALERT_LIMIT_PER_CONTACT
    )


def _too_many(request, operator) -> HttpResponse:
    return render(
        request,
        "public/booking/too_many.html",
        {"operator": operator, "title": "Trop de demandes", "message": TOO_MANY},
        status=429,
    )


def _page(request, template: str, context: dict, *, invalid: bool = False) -> HttpResponse:
    status = INVALID_FORM_STATUS if invalid else 200
    return render(request, f"public/alerts/{template}", context, status=status)


@booking_page
def alert_subscribe(request: HttpRequest, operator) -> HttpResponse:
    sites = public_sites(operator)
    chosen = request.GET.get("lieu", "")
    initial = {"sites": [site.pk for site in sites if site.slug == chosen]}
    form = SubscribeForm(posted(request), sites=sites, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = data["phone"] or data["email"].lower()
        if not _allowed(request, contact):
            return _too_many(request, operator)
        try:
            with transaction.atomic():  # the code could not leave: nothing kept
                subscription, code = services.subscription_request(
                    operator=operator,
                    phone=data["phone"],
                    email=data["email"],
                    sites=data["sites"],
                )
                services.code_send(subscription, code)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return redirect(
                "public:alert_confirm",
                operator_slug=operator.slug,
                subscription_code=links.subscription_code(subscription),
            )
    context = {"operator": operator, "form": form, "has_sites": sites.exists()}
    return _page(request, "subscribe.html", context, invalid=bool(form.errors))


def _pending(operator, code: str) -> Subscription:
    subscription = links.subscription_from_code(code)
    if subscription is None or subscription.operator_id != operator.pk:
        raise Http404(LINK_REFUSED)
    return subscription


@booking_page
def alert_confirm(request: HttpRequest, operator, subscription_code: str) -> HttpResponse:
    subscription = _pending(operator, subscription_code)
    form = CodeForm(posted(request))
    if request.method == "POST" and request.POST.get("action") == "resend":
        form = CodeForm()
        if not _allowed(request, subscription.phone or subscription.email):
            return _too_many(request, operator)
        if subscription.confirmed_at is None:
            code = services.code_renew(subscription)
            try:
                services.code_send(subscription, code)
            except ValidationError as error:
                add_service_error(form, error)
    elif request.method == "POST" and form.is_valid():
        try:
            confirmed = services.subscription_confirm(
                subscription=subscription, code=form.cleaned_data["code"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            code = links.subscription_code(confirmed)
            messages.success(request, CONFIRMED)
            return redirect("public:alert_link", subscription_code=code)
    context = {
        "operator": operator,
        "form": form,
        "to": shown_phone(subscription.phone) or subscription.email,
        "by_sms": bool(subscription.phone),
        "resent": request.POST.get("action") == "resend" and not form.errors,
    }
    return _page(request, "confirm.html", context, invalid=bool(form.errors))


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def alert_link(request: HttpRequest, subscription_code: str) -> HttpResponse:
    """A message's link: the sites' pages, « Me désinscrire » in one click."""
    subscription = links.subscription_from_code(subscription_code)
    if subscription is None or subscription.confirmed_at is None:
        return _private(
            render(
                request,
                "public/alerts/done.html",
                {"operator": None, "title": "Lien non valable", "message": LINK_REFUSED},
                status=404,
            )
        )
    operator = subscription.operator
    if request.method == "POST":
        services.subscription_end(subscription=subscription, reason=EndReason.LINK)
        context = {
            "operator": operator,
            "title": "Vous êtes désinscrit(e)",
            "message": UNSUBSCRIBED,
        }
        return _private(render(request, "public/alerts/done.html", context))
    Subscription.objects.filter(pk=subscription.pk).update(last_used_at=timezone.now())
    sites = [row.site for row in subscription.sites.select_related("site").order_by("site__name")]
    context = {
        "operator": operator,
        "sites": sites,
        "to": shown_phone(subscription.phone) or subscription.email,
    }
    return _private(render(request, "public/alerts/subscription.html", context))


@booking_page
def alert_unsubscribe(request: HttpRequest, operator) -> HttpResponse:
    """By number and code: the number first (a code leaves if it is subscribed), then the code."""
    form = UnsubscribeForm(posted(request))
    asked = False
    if request.method == "POST" and form.is_valid():
        phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
        if not code:
            if not _allowed(request, phone):
                return _too_many(request, operator)
            found = services.unsubscribe_request(operator=operator, phone=phone)
            if found is not None:
                try:
                    services.code_send(*found)
                except ValidationError as error:
                    add_service_error(form, error)
            asked = not form.errors
        else:
            try:
                services.unsubscribe_confirm(operator=operator, phone=phone, code=code)
            except ValidationError as error:
                add_service_error(form, error)
                asked = True
            else:
                context = {
                    "operator": operator,
                    "title": "Vous êtes désinscrit(e)",
                    "message": UNSUBSCRIBED,
                }
                return _page(request, "done.html", context)
    context = {"operator": operator, "form": form, "asked": asked, "code_sent": CODE_SENT}
    return _page(request, "unsubscribe.html", context, invalid=bool(form.errors))


def signature_valid(body: bytes, signature: str) -> bool:
    """HMAC-SHA256 of the raw body with `ALLERVERS_SMS_INBOUND_SECRET`, in hexadecimal."""
    secret = settings.ALLERVERS_SMS_INBOUND_SECRET
    if not secret or not signature:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


@csrf_exempt
@login_not_required
@require_POST
def alert_inbound_sms(request: HttpRequest) -> HttpResponse:
    """A reply forwarded by the provider: `{"from": "+336…", "text": "STOP"}` (Brevo's inbound
    names `from`/`msisdn` and `text`/`content` are read too), signed in the header
    `X-Allervers-Signature`. A bad signature: 403, nothing changed; not JSON: 400."""
    if not signature_valid(request.body, request.headers.get(SIGNATURE_HEADER, "")):
        return JsonResponse({"erreur": "Signature absente ou fausse."}, status=403)
    try:
        data = json.loads(request.body)
        phone = str(data.get("from") or data.get("msisdn") or "")
        text = str(data.get("text") or data.get("content") or "")
    except (ValueError, AttributeError):
        return JsonResponse({"erreur": "Le corps doit être un objet JSON."}, status=400)
    ended = services.inbound_stop(phone=phone, text=text)
    return JsonResponse({"desabonnements": ended})


def subscribe_url(operator, site=None) -> str:
    url = reverse("public:alert_subscribe", kwargs={"operator_slug": operator.slug})
    return f"{url}?lieu={site.slug}" if site is not None else url
