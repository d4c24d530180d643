"""Form fields shared by the apps."""

from django import forms
from django.core.exceptions import ValidationError

# The largest id a database column can hold (a signed 64-bit integer): SQLite raises
# OverflowError, not DoesNotExist, for a larger one.
LARGEST_ID = 2**63 - 1


class ModelChoiceField(forms.ModelChoiceField):
    """Django's, refusing an out-of-range id as an invalid choice (never a server error)."""

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if (
            text.lstrip("-").isascii()
            and text.lstrip("-").isdigit()
            and abs(int(text)) > LARGEST_ID
        ):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


def id_from(raw) -> int | None:
    """A database id read from a request ("12" → 12); None for anything else, an out-of-range
    number included (so that a lookup never fails on it)."""
    text = str(raw) if raw is not None else ""
    if not (text.isascii() and text.isdecimal()):
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_ID else None
