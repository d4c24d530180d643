"""The screening form (a few questions, defaults filled in) and the coordinator's settings."""

import re

from django import forms
from django.core.exceptions import ValidationError

from allervers.partners.models import Partner

from .engine import COLLEGE_AGES, LYCEE_AGES, communes, school_levels
from .enums import AdultSituation, Housing, Incapacity, RightKind, RightOutcome, SendChannel
from .models import ScreeningSetup
from .sending import recipient_checked
from .sharing import LINK_DAYS, NO_CONSENT

MAX_INCOME = 20_000  # euros a month: above this the estimate has no meaning (a typing slip)
MAX_RENT = 5_000
MAX_CHILDREN = 12
PARENT_MIN_GAP = 12  # years between a child and the older adult of the household
COMMUNE_FORM = re.compile(r"^(\d{5}|2[AB]\d{3})$")
ALONE, COUPLE = "alone", "couple"


def _amount(label: str, limit: int = MAX_INCOME) -> forms.CharField:
    # A CharField: the check below writes one clear French message for each kind of mistake.
    field = forms.CharField(label=label, required=False, initial="0", max_length=12)
    field.limit = limit
    field.widget.attrs.update({"inputmode": "numeric", "size": "7"})
    return field


def _euros(value: str, limit: int) -> int:
    text = (value or "0").replace("\u202f", "").replace(" ", "").replace("€", "").strip()
    text = text.replace(",", ".") or "0"
    try:
        amount = float(text)
    except ValueError:
        raise ValidationError("Indiquez un montant en euros (par exemple 450).") from None
    if amount < 0:
        raise ValidationError("Un montant ne peut pas être négatif.")
    if amount > limit:
        raise ValidationError(
            f"Montant invraisemblable (plus de {limit:,} € par mois) : vérifiez la saisie.".replace(
                ",", "\u202f"
            )
        )
    return round(amount)


def _pupils(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        required=False,
        min_value=0,
        max_value=MAX_CHILDREN,
        initial=0,
        error_messages={
            "min_value": f"{label} : indiquez 0 ou plus.",
            "max_value": f"{label} : {MAX_CHILDREN} au plus.",
            "invalid": f"{label} : indiquez un nombre d'enfants (0 s'il n'y en a pas).",
        },
        widget=forms.NumberInput(attrs={"size": "3"}),
    )


def _age(label: str, required: bool) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=16,
        max_value=120,
        error_messages={
            "min_value": "Un adulte du foyer a au moins 16 ans.",
            "max_value": "Vérifiez l'âge : 120 ans au plus.",
            "invalid": "Indiquez l'âge en années (un nombre).",
            "required": "Indiquez l'âge.",
        },
        widget=forms.NumberInput(attrs={"size": "4"}),
    )


class ScreeningForm(forms.Form):
    consent = forms.BooleanField(
        label="La personne accepte que ses réponses servent à estimer ses droits",
        help_text="Les réponses sont effacées dès que les orientations qui en découlent sont "
        "closes. Sans son accord, ne remplissez pas ce formulaire.",
        error_messages={"required": "Le repérage ne se fait qu'avec l'accord de la personne."},
    )
    household = forms.ChoiceField(
        label="La personne vit",
        choices=[(ALONE, "Seule"), (COUPLE, "En couple")],
        initial=ALONE,
        widget=forms.RadioSelect,
    )
    age_1 = _age("Son âge", required=True)
    situation_1 = forms.ChoiceField(
        label="Sa situation",
        choices=AdultSituation.choices,
        initial=AdultSituation.JOB_SEEKER,
    )
    incapacity_1 = forms.ChoiceField(
        label="Taux d'incapacité reconnu par la MDPH",
        help_text="Laissez « Aucun taux reconnu » si la personne n'a pas de handicap reconnu.",
        choices=Incapacity.choices,
        required=False,
    )
    work_1 = _amount("Salaire net par mois (€)")
    unemployment_1 = _amount("Allocation chômage par mois (€)")
    pension_1 = _amount("Retraite ou pension par mois (€)")
    age_2 = _age("Âge du conjoint", required=False)
    situation_2 = forms.ChoiceField(
        label="Situation du conjoint",
        choices=AdultSituation.choices,
        initial=AdultSituation.EMPLOYED,
    )
    incapacity_2 = forms.ChoiceField(
        label="Taux d'incapacité du conjoint reconnu par la MDPH",
        choices=Incapacity.choices,
        required=False,
    )
    work_2 = _amount("Salaire net du conjoint par mois (€)")
    unemployment_2 = _amount("Allocation chômage du conjoint par mois (€)")
    pension_2 = _amount("Retraite ou pension du conjoint par mois (€)")
    children_ages = forms.CharField(
        label="Âge des enfants à charge",
        help_text="Séparés par des virgules, par exemple « 4, 9 ». Laissez vide s'il n'y en a pas.",
        required=False,
        max_length=60,
    )
    in_college = _pupils("Enfants au collège")
    in_lycee = _pupils("Enfants au lycée", "Lycée général, technologique ou professionnel.")
    housing = forms.ChoiceField(
        label="Logement",
        choices=Housing.choices,
        initial=Housing.SOCIAL_TENANT,
        widget=forms.RadioSelect,
    )
    rent = _amount("Loyer par mois, sans les charges (€)", limit=MAX_RENT)
    commune = forms.CharField(
        label="Commune du logement (code INSEE)",
        help_text="Par exemple 62083 pour Barlin (ce n'est pas le code postal).",
        max_length=5,
        min_length=5,
        error_messages={
            "required": "Indiquez le code INSEE de la commune.",
            "min_length": "Le code INSEE d'une commune a 5 caractères (62083 pour Barlin).",
            "max_length": "Le code INSEE d'une commune a 5 caractères (62083 pour Barlin).",
        },
        widget=forms.TextInput(attrs={"size": "6", "autocomplete": "off"}),
    )
    received = forms.MultipleChoiceField(
        label="Aides déjà perçues",
        choices=RightKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    AMOUNTS = ("work_1", "unemployment_1", "pension_1", "work_2", "unemployment_2", "pension_2")

    def clean_commune(self) -> str:
        code = self.cleaned_data["commune"].strip().upper()
        if not COMMUNE_FORM.match(code):
            raise ValidationError("Le code INSEE d'une commune a 5 caractères (62083 pour Barlin).")
        known = communes()
        if known and code not in known:
            raise ValidationError(
                f"La commune {code} est inconnue des règles de calcul : indiquez le code INSEE "
                "de la commune (pas son code postal)."
            )
        return code

    def clean_children_ages(self) -> list[int]:
        text = self.cleaned_data["children_ages"].strip()
        if not text:
            return []
        ages = []
        for part in re.split(r"[,;\s]+", text):
            if not part:
                continue
            if not part.isdigit():
                raise ValidationError(
                    "Indiquez l'âge de chaque enfant en années, séparés par des virgules."
                )
            age = int(part)
            if age > 25:
                raise ValidationError(
                    f"Un enfant à charge a 25 ans au plus ({age} ans indiqué) : comptez-le "
                    "comme adulte ou retirez-le."
                )
            ages.append(age)
        if len(ages) > MAX_CHILDREN:
            raise ValidationError(f"{MAX_CHILDREN} enfants au plus.")
        return ages

    def clean(self):
        data = super().clean()
        for name in (*self.AMOUNTS, "rent"):
            try:
                data[name] = _euros(self.data.get(name, ""), self.fields[name].limit)
            except ValidationError as error:
                self.add_error(name, error)
        couple = data.get("household") == COUPLE
        if couple and data.get("age_2") is None and "age_2" not in self.errors:
            self.add_error("age_2", "Indiquez l'âge du conjoint.")
        ages = [data.get("age_1"), data.get("age_2") if couple else None]
        oldest = max((age for age in ages if age is not None), default=None)
        for child in data.get("children_ages") or []:
            if oldest is not None and child > oldest - PARENT_MIN_GAP:
                self.add_error(
                    "children_ages",
                    f"Un enfant de {child} ans ne peut pas avoir un parent de {oldest} ans : "
                    "vérifiez les âges.",
                )
                break
        self._check_pupils(data)
        if data.get("housing") not in (Housing.SOCIAL_TENANT, Housing.PRIVATE_TENANT):
            data["rent"] = 0
        return data

    def _check_pupils(self, data: dict) -> None:
        """The pupils of collège and lycée are children of the household of a pupil's age."""
        for name in ("in_college", "in_lycee"):
            if name not in self.errors and data.get(name) is None:
                data[name] = 0
        if {"in_college", "in_lycee", "children_ages"} & set(self.errors):
            return
        ages = tuple(data.get("children_ages") or ())
        college, lycee = data["in_college"], data["in_lycee"]
        if college + lycee > len(ages):
            field = "in_lycee" if lycee else "in_college"
            self.add_error(
                field,
                f"Enfants au collège et au lycée : {college + lycee} indiqués pour "
                f"{len(ages)} enfant(s) à charge ; vérifiez les âges des enfants.",
            )
        elif school_levels(ages, 0, lycee) is None:
            self.add_error(
                "in_lycee",
                f"Enfants au lycée : {lycee} indiqué(s), mais pas autant d'enfants de "
                f"{LYCEE_AGES.start} à {LYCEE_AGES.stop - 1} ans : vérifiez les âges.",
            )
        elif school_levels(ages, college, lycee) is None:
            self.add_error(
                "in_college",
                f"Enfants au collège : {college} indiqué(s), mais pas autant d'enfants de "
                f"{COLLEGE_AGES.start} à {COLLEGE_AGES.stop - 1} ans (en dehors des lycéens) : "
                "vérifiez les âges.",
            )

    def inputs(self) -> dict:
        """The answers as the screening keeps them (and the engine reads them)."""
        data = self.cleaned_data
        count = 2 if data["household"] == COUPLE else 1
        adults = [
            {
                "age": data[f"age_{n}"],
                "situation": data[f"situation_{n}"],
                "incapacity": data.get(f"incapacity_{n}") or "",
                "work": data[f"work_{n}"],
                "unemployment": data[f"unemployment_{n}"],
                "pension": data[f"pension_{n}"],
            }
            for n in range(1, count + 1)
        ]
        return {
            "adults": adults,
            "children_ages": data["children_ages"],
            "in_college": data["in_college"],
            "in_lycee": data["in_lycee"],
            "housing": data["housing"],
            "rent": data["rent"],
            "commune": data["commune"],
            "received": sorted(data["received"]),
        }


class ScreeningSetupForm(forms.ModelForm):
    class Meta:
        model = ScreeningSetup
        fields = ["default_commune", *(f"partner_{kind}" for kind in RightKind.values)]

    def __init__(self, *args, operator, **kwargs):
        super().__init__(*args, **kwargs)
        partners = Partner.objects.for_operator(operator).active().order_by("name")
        for kind in RightKind.values:
            field = self.fields[f"partner_{kind}"]
            field.queryset = partners
            field.empty_label = "Aucun (pas d'orientation en un clic)"

    def clean_default_commune(self) -> str:
        code = self.cleaned_data["default_commune"].strip().upper()
        if code and not COMMUNE_FORM.match(code):
            raise ValidationError("Le code INSEE d'une commune a 5 caractères (62083 pour Barlin).")
        if code and communes() and code not in communes():
            raise ValidationError(f"La commune {code} est inconnue des règles de calcul.")
        return code


class RightOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Issue de la demande",
        choices=RightOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez l'issue : droit ouvert, refusé ou abandonné."},
    )


class RightReferForm(forms.Form):
    """The one-tap confirmation: nothing to fill in, the token makes it idempotent."""


class EstimatedRightsSendForm(forms.Form):
    """« Vos droits estimés » sent by a link: how, to whom (typed now, not kept once sent), the
    name only when the person asks, and her consent (required)."""

    channel = forms.ChoiceField(
        label="Envoyer par",
        choices=SendChannel.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez l'envoi par courriel ou par SMS.",
            "invalid_choice": "Choisissez l'envoi par courriel ou par SMS.",
        },
    )
    recipient = forms.CharField(
        label="Adresse électronique ou numéro de portable",
        help_text="Utilisé pour cet envoi seulement : il n'est pas gardé.",
        required=False,
        max_length=254,
        error_messages={"max_length": "Cette adresse est trop longue."},
    )
    named = forms.BooleanField(
        label="Ajouter le nom sur la page (seulement si la personne le demande)", required=False
    )
    consent = forms.BooleanField(
        label=(
            f"La personne accepte de recevoir ce lien (valable {LINK_DAYS} jours) par courriel "
            "ou par SMS"
        ),
        required=True,
        error_messages={"required": NO_CONSENT},
    )

    def __init__(self, *args, named_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})
        if not named_allowed:
            del self.fields["named"]

    def clean(self) -> dict:
        data = super().clean()
        channel = data.get("channel")
        if channel and "recipient" not in self.errors:
            try:
                data["recipient"] = recipient_checked(channel, data.get("recipient", ""))
            except ValidationError as error:
                self.add_error("recipient", error)
        return data
