"""The writes of « Vos droits estimés » sent by a link (`EstimatedRightsLink`): send it with the
person's consent, revoke it, deliver it (the task's work), and forget the links once they
expired or were revoked (the daily sweep); the person's links for her export and her erasure.

The token is 128 random bits (`secrets.token_urlsafe`), kept hashed (SHA-256): the message is the
only place it is written, with the short public address `public:estimated_rights`. The address
or number typed is held on the row only until the task sends the message."""

import datetime
import hashlib
import logging
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from allervers.accesslog.enums import Action
from allervers.accesslog.services import journal
from allervers.core.mail import send_failure_reason

from . import sending
from .enums import CHANNEL_WORDS, SendChannel
from .models import EstimatedRightsLink, Screening
from .take_home import refusal_of

logger = logging.getLogger(__name__)

LINK_DAYS = 30
NO_CONSENT = (
    "Cochez que la personne accepte de recevoir cette page : rien n'est envoyé sans son accord."
)
FAILURE_LENGTH = EstimatedRightsLink._meta.get_field("failure").max_length


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str) -> str:
    """The full public address of a link (what the message carries)."""
    path = reverse("public:estimated_rights", kwargs={"link_token": token})
    return settings.ALLERVERS_SITE_URL.rstrip("/") + path


def link_by_token(token: str, *, now: datetime.datetime | None = None) -> EstimatedRightsLink:
    """The usable link of `token`, its screening read with its rights; `DoesNotExist` when
    the token is unknown, expired, revoked or its sending failed."""
    now = now or timezone.now()
    if not token or len(token) > 64:
        raise EstimatedRightsLink.DoesNotExist
    return (
        EstimatedRightsLink.objects.usable(now)
        .select_related("operator", "screening__visit__person")
        .prefetch_related("screening__rights")
        .get(token_hash=token_hash(token))
    )


@transaction.atomic
def estimated_rights_link_send(
    *,
    screening: Screening,
    channel: str,
    recipient: str,
    consent: bool,
    named: bool = False,
    user,
    now: datetime.datetime | None = None,
    request=None,
) -> EstimatedRightsLink:
    """Send « Vos droits estimés » to the person by e-mail or SMS, as a link valid `LINK_DAYS`
    days, once she agreed (`consent`, recorded on the link and journaled). Refused in French,
    nothing saved, when she did not agree, when the recipient is not valid, or when the page
    cannot be made (answers emptied, no right computed). The message leaves from the task
    worker after the commit."""
    now = now or timezone.now()
    if not consent:
        raise ValidationError({"consent": NO_CONSENT}, code="no_consent")
    try:
        to = sending.recipient_checked(channel, recipient)
    except ValidationError as error:
        raise ValidationError({"recipient": error.messages}, code=error.code) from None
    screening = (
        Screening.objects.select_for_update(of=("self",))
        .select_related("visit")
        .get(pk=screening.pk)
    )
    refusal = refusal_of(screening)
    if refusal:
        raise ValidationError(refusal, code="no_page")
    token = secrets.token_urlsafe(16)
    link = EstimatedRightsLink.objects.create(
        operator_id=screening.operator_id,
        screening=screening,
        person_id=screening.visit.person_id,
        token_hash=token_hash(token),
        channel=channel,
        named=bool(named and screening.visit.person_id),
        recipient_shown=sending.recipient_masked(channel, to),
        pending_recipient=to,
        pending_token=token,
        consent_at=now,
        created_by=user,
        created_at=now,
        expires_at=now + datetime.timedelta(days=LINK_DAYS),
    )
    journal(
        request,
        Action.VISIT_CHANGED,
        screening.visit,
        detail=(
            f"« Vos droits estimés » envoyés par {CHANNEL_WORDS[channel]}"
            f"{' avec le nom' if link.named else ''}, avec l'accord de la personne"
        ),
    )
    from .tasks import send_estimated_rights_link  # the task module imports this one

    transaction.on_commit(lambda: send_estimated_rights_link.enqueue(link.pk))
    return link


@transaction.atomic
def estimated_rights_link_revoke(
    *, link: EstimatedRightsLink, user, now: datetime.datetime | None = None, request=None
) -> EstimatedRightsLink:
    """The agent withdraws a link: its page answers the expired-link 404 from now on; a link
    already revoked stays as it was."""
    now = now or timezone.now()
    link = (
        EstimatedRightsLink.objects.select_for_update(of=("self",))
        .select_related("screening__visit")
        .get(pk=link.pk)
    )
    if link.revoked_at is None:
        link.revoked_at = now
        link.revoked_by = user
        link.pending_recipient = ""
        link.pending_token = ""
        link.save(update_fields=["revoked_at", "revoked_by", "pending_recipient", "pending_token"])
        journal(
            request,
            Action.VISIT_CHANGED,
            link.screening.visit,
            detail="lien « Vos droits estimés » retiré",
        )
    return link


def estimated_rights_link_deliver(*, link_id: int, now: datetime.datetime | None = None) -> str:
    """The task's work: send the message of a link at most once. The recipient and the token
    are taken off the row first (in their own transaction), so a second run sends nothing; the
    outcome is written after: `sent_at`, or `failure` (French) and the link never opens.
    Returns "sent", "failed" or "skipped"."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            EstimatedRightsLink.objects.select_for_update(of=("self",))
            .select_related("operator")
            .filter(pk=link_id)
            .first()
        )
        if link is None or not link.pending_recipient or link.revoked_at is not None:
            return "skipped"
        to, token = link.pending_recipient, link.pending_token
        link.pending_recipient = link.pending_token = ""
        link.save(update_fields=["pending_recipient", "pending_token"])
    try:
        sending.message_send(
            channel=link.channel,
            to=to,
            url=link_url(token),
            structure=link.operator,
            expires_on=timezone.localdate(link.expires_at),
            days=LINK_DAYS,
        )
    except Exception as error:  # any backend's failure: the agent reads why, nothing retried
        logger.warning("Estimated rights link %s not sent: %s", link_id, type(error).__name__)
        reason = send_failure_reason(error) if link.channel == SendChannel.EMAIL else str(error)
        failure = f"Échec de l'envoi : {reason or type(error).__name__}"[:FAILURE_LENGTH]
        EstimatedRightsLink.objects.filter(pk=link_id).update(failure=failure)
        return "failed"
    EstimatedRightsLink.objects.filter(pk=link_id).update(sent_at=now)
    return "sent"


def links_expire(*, now: datetime.datetime | None = None) -> int:
    """The sweep: delete the links that no longer open (expired, revoked, failed, or whose
    screening's answers were emptied). Returns how many."""
    now = now or timezone.now()
    deleted, _ = EstimatedRightsLink.objects.filter(
        Q(expires_at__lte=now)
        | Q(revoked_at__isnull=False)
        | ~Q(failure="")
        | Q(screening__inputs__isnull=True)
    ).delete()
    return deleted


def person_links(operator_id: int, person_id: int) -> list[dict]:
    """The links sent to the person (her export): when, how, to what (masked), until when."""
    links = EstimatedRightsLink.objects.filter(
        operator_id=operator_id, person_id=person_id
    ).order_by("created_at", "pk")
    return [
        {
            "sent_at": timezone.localtime(link.created_at),
            "channel": link.get_channel_display(),
            "recipient": link.recipient_shown,
            "named": link.named,
            "expires_at": timezone.localtime(link.expires_at),
            "revoked_at": link.revoked_at and timezone.localtime(link.revoked_at),
        }
        for link in links
    ]


def person_links_erase(*, operator_id: int, person_id: int) -> int:
    """Her erasure: delete the links of her screenings (a named link shows her name)."""
    deleted, _ = EstimatedRightsLink.objects.filter(
        operator_id=operator_id, person_id=person_id
    ).delete()
    return deleted
