"""Writes of « Prévenez-moi »: subscribe (online with a code, or by an agent), confirm, end a
subscription (its number erased at once, a count kept), pause a site.

The code's SMS (or e-mail) leaves during the request (`code_send`): the resident waits for it,
and a provider's failure is told to her at once, in French."""

import datetime

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.bookings import sms
from allervers.bookings.phones import can_receive_sms, normalise_phone
from allervers.bookings.texts import bus_words

from . import codes
from .enums import EndReason, SubscriptionSource
from .models import AlertSitePause, Subscription, SubscriptionSite, UnsubscriptionCount
from .texts import code_text

CONSENT_VERSION = "2026-06"
CONSENT_TEXT = (
    "J'accepte de recevoir un message la veille de chaque passage du bus aux lieux choisis, "
    "et quand un passage est annulé ou déplacé. Je peux me désinscrire à tout moment."
)
AGENT_CONSENT_TEXT = (
    "La personne a accepté, à la porte du bus, de recevoir un message la veille de chaque "
    "passage aux lieux choisis et quand un passage est annulé ou déplacé."
)
# Metropolitan France and the overseas departments: the numbers the French providers reach.
FRENCH_CODES = {33, 262, 269, 508, 590, 594, 596, 687, 689}
NOT_MOBILE = (
    "Ce numéro ne peut pas recevoir de SMS. Donnez un numéro de portable (06 ou 07), ou une "
    "adresse électronique."
)
FOREIGN = "Nous envoyons les SMS seulement aux numéros français. Donnez un numéro en 06 ou 07."
NO_CONTACT = "Donnez un numéro de portable ou une adresse électronique."
NO_SITE = "Choisissez au moins un lieu."
CODE_WRONG = "Ce code n'est pas le bon. Vérifiez le SMS reçu et recopiez les 6 chiffres."
CODE_EXPIRED = "Ce code a expiré. Demandez un nouveau code."
CODE_USED = "Ce code a déjà servi : votre inscription est déjà confirmée."
CODE_TOO_MANY = "Trop d'essais avec ce code. Demandez un nouveau code."
SEND_FAILED = (
    "Le message avec votre code n'a pas pu partir. Réessayez dans quelques minutes, ou "
    "appelez le bus."
)
STOP_WORDS = {"STOP", "ARRET", "ARRÊT", "STOP SMS", "DESABONNER", "DÉSABONNER"}


def alert_phone(raw: str) -> str:
    """A French mobile number in E.164, '' when empty; a French error otherwise."""
    phone = normalise_phone(raw)
    if not phone:
        return ""
    if phonenumbers.parse(phone).country_code not in FRENCH_CODES:
        raise ValidationError(FOREIGN, code="foreign_phone")
    if not can_receive_sms(phone):
        raise ValidationError(NOT_MOBILE, code="not_mobile")
    return phone


def _checked(operator, phone: str, email: str, sites) -> list:
    if not phone and not email:
        raise ValidationError(NO_CONTACT, code="no_contact")
    sites = list(sites)
    if not sites or any(site.operator_id != operator.pk for site in sites):
        raise ValidationError(NO_SITE, code="no_site")
    return sites


@transaction.atomic
def subscription_request(
    *, operator, phone: str = "", email: str = "", sites, now: datetime.datetime | None = None
) -> tuple[Subscription, str]:
    """A subscription waiting for its code, and the code (to send with `code_send`)."""
    now = now or timezone.now()
    sites = _checked(operator, phone, email, sites)
    subscription = Subscription.objects.create(
        operator=operator,
        phone=phone,
        email=email.strip().lower() if not phone else "",
        consent_text=CONSENT_TEXT,
        consent_version=CONSENT_VERSION,
        source=SubscriptionSource.PUBLIC,
        created_at=now,
        last_used_at=now,
    )
    _sites_add(subscription, sites)
    return subscription, _code_new(subscription, now)


def _sites_add(subscription: Subscription, sites) -> None:
    SubscriptionSite.objects.bulk_create(
        [
            SubscriptionSite(
                operator_id=subscription.operator_id, subscription=subscription, site=s
            )
            for s in sites
        ],
        ignore_conflicts=True,
    )


def _code_new(subscription: Subscription, now) -> str:
    code = codes.new_code()
    Subscription.objects.filter(pk=subscription.pk).update(
        code_digest=codes.code_digest(subscription.pk, code), code_sent_at=now, code_attempts=0
    )
    subscription.refresh_from_db()
    return code


def code_renew(subscription: Subscription, now=None) -> str:
    """A new code for a subscription waiting for its confirmation (« Renvoyer le code »)."""
    return _code_new(subscription, now or timezone.now())


def code_send(subscription: Subscription, code: str) -> None:
    """The code by SMS (or e-mail); a French `ValidationError` when the provider fails."""
    operator = subscription.operator
    text = code_text(operator_name=operator.name, code=code)
    try:
        if subscription.phone:
            sms.send(subscription.phone, text)
        else:
            message = EmailMessage(
                subject=f"Votre code pour les alertes du {bus_words(operator.name)}",
                body=text,
                to=[subscription.email],
            )
            mailers.default.send_messages([message])
    except Exception as error:  # the provider or the mail server: told, nothing else changes
        raise ValidationError(SEND_FAILED, code="send_failed") from error


def _code_check(subscription: Subscription, code: str, now) -> None:
    """Raises the French reason a code is refused; a wrong code is counted (kept)."""
    if subscription.code_attempts >= codes.MAX_ATTEMPTS:
        raise ValidationError(CODE_TOO_MANY, code="code_too_many")
    if codes.code_expired(subscription, now):
        raise ValidationError(CODE_EXPIRED, code="code_expired")
    if not codes.code_matches(subscription, (code or "").strip().replace(" ", "")):
        Subscription.objects.filter(pk=subscription.pk).update(code_attempts=F("code_attempts") + 1)
        raise ValidationError(CODE_WRONG, code="code_wrong")


def subscription_confirm(
    *, subscription: Subscription, code: str, now: datetime.datetime | None = None
) -> Subscription:
    """Confirm with the code. The same number (or address) already subscribed: its sites are
    added to that subscription and this one goes. Returns the subscription in force."""
    now = now or timezone.now()
    if subscription.confirmed_at is not None:
        raise ValidationError(CODE_USED, code="code_used")
    _code_check(subscription, code, now)
    with transaction.atomic():
        locked = Subscription.objects.select_for_update().filter(pk=subscription.pk).first()
        if locked is None or locked.confirmed_at is not None:
            raise ValidationError(CODE_USED, code="code_used")
        existing = _existing(locked)
        if existing is not None:
            _sites_add(existing, [row.site for row in locked.sites.select_related("site")])
            Subscription.objects.filter(pk=existing.pk).update(last_used_at=now)
            locked.delete()
            return existing
        try:
            with transaction.atomic():
                Subscription.objects.filter(pk=locked.pk).update(
                    confirmed_at=now, last_used_at=now, code_digest="", code_attempts=0
                )
        except IntegrityError:  # confirmed at the same moment by another request
            raise ValidationError(CODE_USED, code="code_used") from None
    locked.refresh_from_db()
    return locked


def _existing(subscription: Subscription) -> Subscription | None:
    same = Subscription.objects.filter(
        operator_id=subscription.operator_id, confirmed_at__isnull=False
    ).exclude(pk=subscription.pk)
    if subscription.phone:
        return same.filter(phone=subscription.phone).first()
    return same.filter(email__iexact=subscription.email).first()


@transaction.atomic
def agent_subscribe(
    *, operator, phone: str = "", email: str = "", sites, by, now=None, request=None
) -> Subscription:
    """At the bus door: the person agreed, the agent records it; confirmed at once (the person
    is there), nobody named. The same number already subscribed: its sites are added. With the
    agent's `request`, the journal records it (never the number)."""
    now = now or timezone.now()
    sites = _checked(operator, phone, email, sites)
    subscription = _agent_subscription(operator, phone, email, sites, by, now)
    journal(request, Action.ALERT_SUBSCRIBED, subscription, detail=f"{len(sites)} lieu(x)")
    return subscription


def _agent_subscription(operator, phone: str, email: str, sites, by, now) -> Subscription:
    email = email.strip().lower() if not phone else ""
    existing = Subscription.objects.filter(operator=operator, confirmed_at__isnull=False)
    existing = (
        existing.filter(phone=phone) if phone else existing.filter(email__iexact=email)
    ).first()
    if existing is not None:
        _sites_add(existing, sites)
        Subscription.objects.filter(pk=existing.pk).update(last_used_at=now)
        return existing
    subscription = Subscription.objects.create(
        operator=operator,
        phone=phone,
        email=email,
        consent_text=AGENT_CONSENT_TEXT,
        consent_version=CONSENT_VERSION,
        source=SubscriptionSource.AGENT,
        created_by=by,
        created_at=now,
        confirmed_at=now,
        last_used_at=now,
    )
    _sites_add(subscription, sites)
    return subscription


def _month(now: datetime.datetime) -> datetime.date:
    return timezone.localdate(now).replace(day=1)


def unsubscription_count(*, operator_id: int, reason: str, now, count: int = 1) -> None:
    month = _month(now)
    counted = UnsubscriptionCount.objects.filter(
        operator_id=operator_id, month=month, reason=reason
    ).update(count=F("count") + count)
    if not counted:
        try:
            with transaction.atomic():
                UnsubscriptionCount.objects.create(
                    operator_id=operator_id, month=month, reason=reason, count=count
                )
        except IntegrityError:
            UnsubscriptionCount.objects.filter(
                operator_id=operator_id, month=month, reason=reason
            ).update(count=F("count") + count)


@transaction.atomic
def subscription_end(*, subscription: Subscription, reason: str, now=None) -> None:
    """The subscription goes, its number or address with it; its alerts stay, without it."""
    now = now or timezone.now()
    deleted, _ = Subscription.objects.filter(pk=subscription.pk).delete()
    if deleted and subscription.confirmed_at is not None:
        unsubscription_count(operator_id=subscription.operator_id, reason=reason, now=now)


def unsubscribe_request(*, operator, phone: str, now=None) -> tuple[Subscription, str] | None:
    """A code for ending the subscription of `phone` (None when it has none: the page says the
    same either way, so that nobody learns who is subscribed)."""
    now = now or timezone.now()
    subscription = Subscription.objects.confirmed().filter(operator=operator, phone=phone).first()
    if subscription is None:
        return None
    return subscription, _code_new(subscription, now)


def unsubscribe_confirm(*, operator, phone: str, code: str, now=None) -> None:
    now = now or timezone.now()
    subscription = Subscription.objects.confirmed().filter(operator=operator, phone=phone).first()
    if subscription is None:
        raise ValidationError(CODE_WRONG, code="code_wrong")
    _code_check(subscription, code, now)
    subscription_end(subscription=subscription, reason=EndReason.PUBLIC, now=now)


def inbound_stop(*, phone: str, text: str, now=None) -> int:
    """A reply « STOP » from `phone`: every subscription of that number ends. How many."""
    if " ".join((text or "").upper().split()) not in STOP_WORDS:
        return 0
    try:
        phone = normalise_phone(phone if phone.startswith("+") else f"+{phone}")
    except ValidationError:
        return 0
    ended = 0
    for subscription in Subscription.objects.filter(phone=phone):
        subscription_end(subscription=subscription, reason=EndReason.SMS_STOP, now=now)
        ended += 1
    return ended


@transaction.atomic
def site_pause(*, operator, site, paused: bool, by) -> None:
    if site.operator_id != operator.pk:
        raise ValidationError("Ce lieu n'existe pas.")
    if paused:
        AlertSitePause.objects.get_or_create(
            site=site, defaults={"operator": operator, "paused_by": by}
        )
    else:
        AlertSitePause.objects.filter(operator=operator, site=site).delete()
