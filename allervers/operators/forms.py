import re

from django import forms

from allervers.core.communes import InseeCodeField
from allervers.core.roles import Role
from allervers.partners.models import Partner

from .models import Operator
from .queries import is_member, user_by_email

ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:\d{1,5})?$", re.IGNORECASE)


class OperatorSettingsForm(forms.ModelForm):
    """What a coordinator may change of its own structure (the address slug stays with the
    platform staff: changing it would break every link, flyer and subscribed calendar)."""

    class Meta:
        model = Operator
        fields = [
            "name",
            "phone",
            "email",
            "address",
            "website",
            "siret",
            "insee_code",
            "school_zone",
            "public_intro",
            "public_access_note",
            "widget_allowed_origins",
            "reminder_time",
            "agents_may_erase",
            "partner_rota_needs_approval",
        ]
        labels = {
            "school_zone": "Zone de vacances scolaires",
            "public_intro": "Présentation sur la page publique",
            "public_access_note": "Accessibilité et contact (page publique)",
            "agents_may_erase": "Les agents peuvent effacer une personne sans confirmation",
            "partner_rota_needs_approval": "Les présences régulières déclarées par les partenaires "
            "attendent votre accord",
        }
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "public_intro": forms.Textarea(attrs={"rows": 3}),
            "public_access_note": forms.Textarea(attrs={"rows": 2}),
            "widget_allowed_origins": forms.Textarea(attrs={"rows": 3}),
            "reminder_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        field_classes = {"insee_code": InseeCodeField}
        error_messages = {
            "name": {"required": "Indiquez le nom de la structure."},
            "email": {"invalid": "Adresse électronique invalide."},
            "website": {"invalid": "Adresse de site invalide : elle commence par https://"},
            "school_zone": {"invalid_choice": "Choisissez la zone A, B ou C."},
            "reminder_time": {
                "required": "Indiquez l'heure des rappels, par exemple 17:00.",
                "invalid": "Heure invalide : écrivez-la par exemple 17:00.",
            },
        }

    def clean_widget_allowed_origins(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["widget_allowed_origins"].splitlines()]
        origins = [line.rstrip("/") for line in lines if line]
        wrong = [origin for origin in origins if not ORIGIN.match(origin)]
        if wrong:
            raise forms.ValidationError(
                "Adresse de site invalide : %(lines)s. Une adresse par ligne, sans chemin, "
                "par exemple https://www.ville-barlin.fr",
                params={"lines": ", ".join(wrong)},
            )
        return "\n".join(dict.fromkeys(origins))


class RoleForm(forms.Form):
    """A role in the structure; a partner role names its organisation."""

    role = forms.ChoiceField(label="Rôle", choices=Role.choices, widget=forms.RadioSelect)
    partner = forms.ModelChoiceField(
        label="Organisation partenaire",
        queryset=Partner.objects.none(),
        required=False,
        help_text="Seulement pour le rôle « Partenaire ».",
        error_messages={"invalid_choice": "Choisissez une organisation de la liste."},
    )

    def __init__(self, *args, operator: Operator, **kwargs):
        super().__init__(*args, **kwargs)
        self.operator = operator
        self.fields["partner"].queryset = Partner.objects.for_operator(operator).active()

    def clean(self):
        cleaned = super().clean()
        role, partner = cleaned.get("role"), cleaned.get("partner")
        if role == Role.PARTNER and partner is None:
            self.add_error("partner", "Choisissez l'organisation de ce partenaire.")
        if role and role != Role.PARTNER:
            cleaned["partner"] = None
        return cleaned


class PersonFields(forms.Form):
    """Who is invited: a new account, or an existing one joining this structure (a person may
    belong to several structures). The subclass sets `self.operator`."""

    operator: Operator

    first_name = forms.CharField(label="Prénom", max_length=150)
    last_name = forms.CharField(label="Nom", max_length=150)
    email = forms.EmailField(
        label="Adresse électronique",
        help_text="Elle sert d'identifiant. Un lien pour choisir le mot de passe y est envoyé.",
        error_messages={"invalid": "Adresse électronique invalide."},
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        user = user_by_email(email)
        if user and is_member(self.operator, user):
            raise forms.ValidationError("Cette personne fait déjà partie de l'équipe.")
        return email


class MemberForm(RoleForm, PersonFields):
    """Add a person to the team with a role."""

    field_order = ["first_name", "last_name", "email", "role", "partner"]


class MembershipForm(RoleForm):
    is_active = forms.BooleanField(
        label="Accès actif",
        required=False,
        help_text="Décochez pour retirer l'accès sans effacer l'historique de cette personne.",
    )


class InvitationAnswerForm(forms.Form):
    """The invited person's answer to an invitation to join a structure."""

    answer = forms.ChoiceField(
        label="Réponse",
        choices=[("accepter", "Accepter"), ("refuser", "Refuser")],
        error_messages={
            "required": "Choisissez d'accepter ou de refuser l'invitation.",
            "invalid_choice": "Choisissez d'accepter ou de refuser l'invitation.",
        },
    )
