"""The residents' booking forms: who to reach (first name, phone and/or e-mail, consent) and
which slot. Short French sentences; the phone is parsed by `phones.normalise_phone`."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError

from allervers.bookings.models import AppointmentOpening
from allervers.bookings.phones import normalise_phone
from allervers.bookings.services.appointments import SLOT_UNKNOWN
from allervers.bookings.services.contacts import NO_CONTACT, Contact
from allervers.core.person_names import PersonNameField

CONSENT_LABEL = "J'accepte d'être contacté(e) pour ce rendez-vous (confirmation et rappel)"
WORKSHOP_CONSENT_LABEL = (
    "J'accepte d'être contacté(e) pour cet atelier (confirmation, rappel, liste d'attente)"
)
CONSENT_REQUIRED = (
    "Cochez la case pour accepter d'être contacté(e). Sans cela, nous ne pouvons pas vous "
    "envoyer la confirmation ni le rappel."
)
NO_SLOT = "Choisissez un créneau dans la liste."
SLOT_VALUE = re.compile(r"^(\d{1,12})-(\d{2})(\d{2})$")


class ContactForm(forms.Form):
    """Who books: a first name, a phone and/or an e-mail, and the consent to be contacted."""

    first_name = PersonNameField(
        label="Votre prénom",
        error_messages={"required": "Indiquez votre prénom."},
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    phone = forms.CharField(
        label="Votre numéro de téléphone",
        max_length=30,
        required=False,
        help_text="Pour recevoir un SMS. Par exemple : 06 12 34 56 78.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.EmailField(
        label="Votre adresse électronique",
        required=False,
        max_length=254,
        help_text="Pour recevoir un courriel. Par exemple : prenom@exemple.fr.",
        error_messages={"invalid": "Cette adresse électronique n'est pas valide."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    contact_consent = forms.BooleanField(
        label=CONSENT_LABEL, error_messages={"required": CONSENT_REQUIRED}
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data["phone"])

    def clean(self):
        data = super().clean()
        reached = data.get("phone") or data.get("email")
        if not reached and not self.has_error("phone") and not self.has_error("email"):
            self.add_error("phone", NO_CONTACT)
        return data

    def contact(self) -> Contact:
        data = self.cleaned_data
        return Contact(
            first_name=data["first_name"],
            phone=data["phone"],
            email=data["email"],
            contact_consent=data["contact_consent"],
        )


class WorkshopForm(ContactForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_consent"].label = WORKSHOP_CONSENT_LABEL


def parse_slot(
    value: str, openings: dict[int, AppointmentOpening]
) -> tuple[AppointmentOpening, datetime.time]:
    """'<opening id>-<HHMM>' → (opening, start time), among `openings`; a French error else."""
    match = SLOT_VALUE.match(value or "")
    if match is None:
        raise ValidationError(NO_SLOT if not value else SLOT_UNKNOWN, code="slot_unknown")
    opening = openings.get(int(match[1]))
    hour, minute = int(match[2]), int(match[3])
    if opening is None or hour > 23 or minute > 59:
        raise ValidationError(SLOT_UNKNOWN, code="slot_unknown")
    return opening, datetime.time(hour, minute)


class SlotField(forms.CharField):
    """A slot among the openings given to the form (radio buttons drawn by the template)."""

    def __init__(self, **kwargs):
        super().__init__(
            label="Le créneau", error_messages={"required": NO_SLOT}, max_length=40, **kwargs
        )


class SlotChoiceMixin:
    """A form with a `slot` field, read among `openings` (id → opening)."""

    def __init__(self, *args, openings: dict[int, AppointmentOpening], **kwargs):
        self.openings = openings
        super().__init__(*args, **kwargs)

    def clean_slot(self) -> tuple[AppointmentOpening, datetime.time]:
        return parse_slot(self.cleaned_data["slot"], self.openings)


class AppointmentForm(SlotChoiceMixin, ContactForm):
    slot = SlotField()

    field_order = ["slot", "first_name", "phone", "email", "contact_consent"]


class MoveForm(SlotChoiceMixin, forms.Form):
    slot = SlotField()


def slot_value(opening: AppointmentOpening, start_time: datetime.time) -> str:
    return f"{opening.pk}-{start_time:%H%M}"
