"""The names people type for themselves or for someone else (a first name on the public booking
form, a name in the back office): letters of any script, spaces, apostrophes and hyphens, of a
sensible length. These names go into e-mails and SMS sent in the structure's name: refusing
everything else (digits, dots, slashes, colons, line breaks, control characters, right-to-left
marks) keeps a stranger from slipping a link, a fake header or reversed text into them."""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

# Long enough for « Marie-Thérèse Anne-Sophie », short enough to stay a name in an SMS.
PERSON_NAME_MAX_LENGTH = 50
# Apostrophes and hyphens as typed on a phone or a keyboard.
NAME_PUNCTUATION = frozenset("'’ʼ-‐")
NAME_CHARACTERS = (
    "Le nom ne peut contenir que des lettres, des espaces, des apostrophes et des traits d'union."
)
NAME_WITHOUT_LETTER = "Le nom doit contenir au moins une lettre."
NAME_TOO_LONG = f"Le nom ne peut pas dépasser {PERSON_NAME_MAX_LENGTH} caractères."
NAME_WITH_LINE_BREAK = "Le nom doit tenir sur une seule ligne."


def person_name_clean(value: str) -> str:
    """`value` normalised (NFC, spaces collapsed), or a French `ValidationError`."""
    if len(value) > 4 * PERSON_NAME_MAX_LENGTH:  # bounded before any other work
        raise ValidationError(NAME_TOO_LONG, code="name_too_long")
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") for character in value):
        raise ValidationError(NAME_WITH_LINE_BREAK, code="name_line_break")
    name = " ".join(unicodedata.normalize("NFC", value).split())
    if not name:
        return ""
    if len(name) > PERSON_NAME_MAX_LENGTH:
        raise ValidationError(NAME_TOO_LONG, code="name_too_long")
    for character in name:
        # L*: letters of every script; M*: the accents of letters typed as two characters.
        if not (
            unicodedata.category(character)[0] in "LM"
            or character == " "
            or character in NAME_PUNCTUATION
        ):
            raise ValidationError(NAME_CHARACTERS, code="name_characters")
    if not any(unicodedata.category(character)[0] == "L" for character in name):
        raise ValidationError(NAME_WITHOUT_LETTER, code="name_without_letter")
    return name


class PersonNameField(forms.CharField):
    """A person's name (see the module), normalised; its French refusals."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", PERSON_NAME_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_python(self, value) -> str:
        return person_name_clean(super().to_python(value))
