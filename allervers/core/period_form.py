"""A period of days read from a list's address (« Du » … « Au », either may be left empty): the
visit list and export, the access log's journal; its date field is the report's too."""

from django import forms


def day_field(label: str, invalid: str) -> forms.DateField:
    """An optional date typed in the browser's date picker (`YYYY-MM-DD`)."""
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": invalid},
    )


class PeriodForm(forms.Form):
    """`start` and `end`, each optional; the end not before the start. `years`: the years a
    date may fall in (a subclass sets it where a date outside is a typing mistake), checked
    first."""

    years: tuple[int, int] | None = None

    start = day_field("Du", "Date de début invalide.")
    end = day_field("Au", "Date de fin invalide.")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if self.years is not None:
            first, last = self.years
            for name, day in (("start", start), ("end", end)):
                if day and not first <= day.year <= last:
                    self.add_error(name, f"Choisissez une date entre {first} et {last}.")
                    return cleaned
        if start and end and end < start:
            raise forms.ValidationError("La date de fin doit être après la date de début.")
        return cleaned
