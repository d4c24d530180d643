"""The « Prévenez-moi » forms (the residents' pages in `public`, the agent's form here): a
mobile number or an e-mail, the sites, the consent; the code; a number to unsubscribe. The
number is read by `alerts.services.alert_phone` (French mobiles only)."""

from django import forms

from .services import CONSENT_TEXT, NO_CONTACT, NO_SITE, alert_phone

CONSENT_REQUIRED = "Cochez la case pour accepter de recevoir les messages."
CODE_REQUIRED = "Recopiez le code à 6 chiffres reçu par SMS."


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Votre numéro de portable")
        kwargs.setdefault("help_text", "Par exemple : 06 12 34 56 78.")
        super().__init__(
            max_length=30,
            widget=forms.TextInput(
                attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}
            ),
            **kwargs,
        )

    def clean(self, value):
        return alert_phone(super().clean(value))


class SubscribeForm(forms.Form):
    phone = PhoneField(required=False)
    email = forms.EmailField(
        label="Ou votre adresse électronique",
        required=False,
        max_length=254,
        help_text="Si vous n'avez pas de portable. Par exemple : prenom@exemple.fr.",
        error_messages={"invalid": "Cette adresse électronique n'est pas valide."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    sites = forms.ModelMultipleChoiceField(
        label="Les lieux",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": NO_SITE,
            "invalid_choice": NO_SITE,
            "invalid_pk_value": NO_SITE,
        },
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, error_messages={"required": CONSENT_REQUIRED})

    def __init__(self, *args, sites, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["sites"].queryset = sites
        self.fields["sites"].label_from_instance = lambda site: site.name

    def clean(self):
        data = super().clean()
        reached = data.get("phone") or data.get("email")
        if not reached and not self.has_error("phone") and not self.has_error("email"):
            self.add_error("phone", NO_CONTACT)
        return data


class AgentSubscribeForm(SubscribeForm):
    """At the bus door (back office): the same fields; the consent is the person's, told aloud."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].label = "Numéro de portable de la personne"
        self.fields["email"].label = "Ou son adresse électronique"
        self.fields["consent"].label = (
            "La personne accepte de recevoir un message la veille de chaque passage aux lieux "
            "choisis, et quand un passage est annulé ou déplacé"
        )
        self.fields["consent"].error_messages["required"] = (
            "Cochez la case seulement si la personne est d'accord."
        )


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Le code reçu",
        max_length=12,
        help_text="6 chiffres.",
        error_messages={"required": CODE_REQUIRED},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class UnsubscribeForm(forms.Form):
    phone = PhoneField(
        label="Votre numéro de portable",
        error_messages={"required": "Indiquez le numéro qui reçoit les messages."},
    )
    code = forms.CharField(
        label="Le code reçu",
        max_length=12,
        required=False,
        help_text="6 chiffres.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
