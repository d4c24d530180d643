"""How « Vos droits estimés » reaches the person by a link: the address or number typed by the
agent checked and masked, the texts of the e-mail and of the SMS (one GSM-7 SMS), and the
sending itself through the bookings' mail and SMS backends (the one SMS provider of the site:
`allervers/bookings/sms`, an import allowed by the layers' contract, docs/architecture.md)."""

import datetime

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.core.validators import validate_email
from django.utils import formats

from allervers.bookings import sms
from allervers.bookings.phones import can_receive_sms, normalise_phone, shown_phone
from allervers.bookings.texts import gsm7_length, in_gsm7

from .enums import SendChannel

SMS_UNITS = 160  # one SMS
INVALID_EMAIL = (
    "Cette adresse électronique n'est pas valide. Écrivez-la par exemple nom@exemple.fr."
)
NOT_A_MOBILE = "Ce numéro ne reçoit pas de SMS : indiquez un numéro de portable (06 ou 07)."
NO_RECIPIENT = {
    SendChannel.EMAIL: "Indiquez l'adresse électronique de la personne.",
    SendChannel.SMS: "Indiquez le numéro de portable de la personne.",
}
MASK = "••"


def recipient_checked(channel: str, raw: str) -> str:
    """The address (lower-cased domain) or the number (E.164) typed for `channel`; a French
    `ValidationError` when it is missing or not valid."""
    text = (raw or "").strip()
    if channel not in SendChannel.values:
        raise ValidationError("Choisissez l'envoi par courriel ou par SMS.", code="channel")
    if not text:
        raise ValidationError(NO_RECIPIENT[channel], code="required")
    if channel == SendChannel.SMS:
        phone = normalise_phone(text)
        if not can_receive_sms(phone):
            raise ValidationError(NOT_A_MOBILE, code="not_a_mobile")
        return phone
    if len(text) > 254:
        raise ValidationError(INVALID_EMAIL, code="invalid_email")
    try:
        validate_email(text)
    except ValidationError:
        raise ValidationError(INVALID_EMAIL, code="invalid_email") from None
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def recipient_masked(channel: str, recipient: str) -> str:
    """What the agent sees of a checked recipient: '06 •• •• •• 12', 'o•••@exemple.fr'."""
    if channel == SendChannel.SMS:
        groups = shown_phone(recipient).split(" ")
        if len(groups) >= 3:
            return " ".join([groups[0], *[MASK] * (len(groups) - 2), groups[-1]])
        return recipient[:3] + "•••" + recipient[-2:]
    local, domain = recipient.rsplit("@", 1)
    return f"{local[0]}•••@{domain}"


def sms_text(*, url: str, structure_name: str, days: int) -> str:
    """One GSM-7 SMS: the link, that it is an estimate, how long it works; the structure's name
    when it fits."""
    body = (
        f"Vos droits estimés (une estimation, pas une décision) : {url} Lien valable {days} jours."
    )
    named = f"{in_gsm7(structure_name)} - {body}"
    units = gsm7_length(named)
    if units is not None and units <= SMS_UNITS:
        return named
    return body


def email_message(
    *, to: str, url: str, structure, expires_on: datetime.date, days: int
) -> EmailMessage:
    """The e-mail: plain French, the link, its expiry, that it is an estimate."""
    phone = f" (téléphone {structure.phone})" if structure.phone else ""
    body = (
        "Bonjour,\n\n"
        f"Voici la page « Vos droits estimés » préparée avec l'équipe de {structure.name}.\n\n"
        f"{url}\n\n"
        "C'est une estimation, pas une décision : seul l'organisme qui paie l'aide décide, après "
        "votre demande.\n\n"
        f"Ce lien marche pendant {days} jours, jusqu'au "
        f"{formats.date_format(expires_on, 'j F Y')}. Ensuite, demandez à l'équipe du bus"
        f"{phone}.\n\n"
        f"{structure.name}\n"
    )
    return EmailMessage(subject="Vos droits estimés", body=body, to=[to])


def message_send(*, channel: str, to: str, url: str, structure, expires_on, days: int) -> None:
    """Send the link by `channel`; the backends' exceptions propagate."""
    if channel == SendChannel.SMS:
        sms.send(to, sms_text(url=url, structure_name=structure.name, days=days))
        return
    message = email_message(to=to, url=url, structure=structure, expires_on=expires_on, days=days)
    mailers.default.send_messages([message])
