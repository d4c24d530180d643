"""Who books: a followed person or a first name with a phone and/or an e-mail, and its checks."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q

from ..enums import BookingSource
from ..phones import normalise_phone

NO_CONTACT = "Indiquez un numéro de téléphone ou une adresse électronique pour être prévenu(e)."
PERSON_WITHOUT_CONSENT = (
    "Cette personne n'a pas de consentement en vigueur : réservez avec son prénom et un moyen "
    "de la joindre seulement."
)


@dataclass(frozen=True)
class Contact:
    """Who books: a followed `person` (agent booking), or a first name with a phone and/or an
    e-mail. `contact_consent`: the person accepts to be contacted about this booking."""

    first_name: str = ""
    phone: str = ""
    email: str = ""
    contact_consent: bool = False
    person: object = None

    def normalised(self) -> "Contact":
        return Contact(
            first_name=" ".join(self.first_name.split())[:100],
            phone=normalise_phone(self.phone),
            email=self.email.strip().lower(),
            contact_consent=self.contact_consent,
            person=self.person,
        )

    def fields(self) -> dict:
        return {
            "first_name": self.first_name,
            "phone": self.phone,
            "email": self.email,
            "contact_consent": self.contact_consent,
            "person": self.person,
        }


def contact_check(contact: Contact, *, source: str) -> Contact:
    """The contact tidied; refused without a first name, or (booked by a resident) without a
    phone or an e-mail."""
    contact = contact.normalised()
    if source == BookingSource.PUBLIC:
        errors = {}
        if not contact.first_name:
            errors["first_name"] = "Indiquez votre prénom."
        if not contact.phone and not contact.email:
            errors["phone"] = NO_CONTACT
        if errors:
            raise ValidationError(errors)
    elif contact.person is None and not contact.first_name:
        raise ValidationError({"first_name": "Indiquez au moins le prénom de la personne."})
    return contact


def contact_matches(queryset, contact: Contact):
    """Bookings of `queryset` made for the same person, phone or e-mail."""
    match = Q(pk__in=[])
    if contact.person is not None:
        match |= Q(person=contact.person)
    if contact.phone:
        match |= Q(phone=contact.phone)
    if contact.email:
        match |= Q(email=contact.email)
    return queryset.filter(match)


def contact_person_check(person, operator_id: int) -> None:
    """A booking names a followed person only while a consent of theirs is in force."""
    if person.operator_id != operator_id or not person.consents.active().exists():
        raise ValidationError({"person": PERSON_WITHOUT_CONSENT}, code="person_without_consent")
