"""Versions of the rows two people may edit at once (a stop, a visit, a referral).

A row carries a `version` integer, incremented by every change its service makes. A form that
edits the row carries the version it was shown (`VersionField`, a hidden field); the service
locks the row (`select_for_update()`), reads it again inside its transaction and refuses the
change with `check_version` when the row changed meanwhile: nothing is saved, and the message
says who changed it and asks to reload the page. Two changes at once are thus applied one after
the other, or the second is refused; never silently overwritten.
"""

from django import forms
from django.core.exceptions import ValidationError

STALE_MESSAGE = "Modifiée entre-temps par {name} — rechargez la page pour voir la dernière version."
MISSING_VERSION_MESSAGE = "Ce formulaire est incomplet : rechargez la page et recommencez."


def person_name(user) -> str:
    """Who changed a row, in words; "une autre personne" when nobody is known."""
    if user is None:
        return "une autre personne"
    return user.get_full_name() or user.email


def check_version(*, shown: int | None, current: int, changed_by) -> None:
    """Refuse (French `ValidationError`, code "stale") a change made from a form showing
    version `shown` of a row now at version `current`. `shown=None`: a caller that shows no
    form (an import, the demo), nothing to compare."""
    if shown is not None and shown != current:
        raise ValidationError(STALE_MESSAGE.format(name=person_name(changed_by)), code="stale")


class VersionField(forms.IntegerField):
    """The version of the row a form edits, sent back with the form (hidden)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(min_value=0, **kwargs)
        for code in ("required", "invalid", "min_value"):
            self.error_messages[code] = MISSING_VERSION_MESSAGE


class VersionedForm(forms.Form):
    """A form that edits an existing row: it carries the row's version (`version` in its
    cleaned data, to pass to the service). A form that creates deletes the field
    (`del self.fields["version"]`). A missing or altered version is a form error shown above
    the form (a hidden field has no place to show its own)."""

    version = VersionField()

    def show_version(self, version: int) -> None:
        self.fields["version"].initial = version

    def clean(self):
        cleaned = super().clean()
        if self._errors and self._errors.pop("version", None):
            self.add_error(None, MISSING_VERSION_MESSAGE)
        return cleaned
