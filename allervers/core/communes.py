"""A commune's INSEE code (code officiel géographique): the open data's `code_insee`.

Five characters: the department (2 digits, or 2A / 2B for Corsica) then 3 digits, e.g. 62083
for Barlin. The pattern is the national "lieux de médiation numérique" schema's own, so a code
accepted here is one the open data can publish. It is not the postcode (62620 for Barlin).
"""

import re

from django import forms
from django.core.exceptions import ValidationError

# The schema's pattern: no department "20" (Corsica is 2A / 2B since 1976).
INSEE_CODE_REGEX = r"^([013-9][0-9]|2[AB1-9])[0-9]{3}$"
INSEE_CODE_MESSAGE = (
    "Code INSEE invalide : 5 caractères, le département (2 chiffres, ou 2A, 2B en Corse) puis "
    "3 chiffres, par exemple 62083 pour Barlin. Ce n'est pas le code postal."
)


def insee_code_normalize(value: str) -> str:
    """' 2a 004 ' -> '2A004': spaces out, Corsica's letters in capitals."""
    return "".join(value.split()).upper()


def validate_insee_code(value: str) -> None:
    if not re.fullmatch(INSEE_CODE_REGEX, value):
        raise ValidationError(INSEE_CODE_MESSAGE, code="invalid_insee_code")


class InseeCodeField(forms.CharField):
    """The form field of a model's INSEE code (`Meta.field_classes`): spaces and lower-case
    letters are accepted as typed (« 2a 004 » is 2A004); the model's validator then checks it."""

    def __init__(self, *, max_length=None, **kwargs):
        # Room for the spaces a person types; the code itself is checked by its validator.
        super().__init__(max_length=20, **kwargs)
        self.error_messages["max_length"] = INSEE_CODE_MESSAGE

    def to_python(self, value) -> str:
        return insee_code_normalize(super().to_python(value))
