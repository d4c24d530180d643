from django import forms

from allervers.operators.forms import PersonFields

from .models import Partner


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = [
            "name",
            "network",
            "description",
            "notice_emails",
            "phone",
            "contact_name",
            "website",
            "staff_have_logins",
        ]
        labels = {
            "name": "Nom",
            "network": "Type de partenaire",
            "description": "Ce qu'il propose (page publique)",
            "notice_emails": "Adresses pour les avis de planning",
            "phone": "Téléphone",
            "contact_name": "Personne à contacter (facultatif)",
            "website": "Site internet (facultatif)",
            "staff_have_logins": "Les personnes de ce partenaire ont un accès à Allervers",
        }
        help_texts = {
            "description": "Une phrase simple, par exemple : « Conseils pour trouver un emploi "
            "ou une formation ».",
            "notice_emails": "Une adresse par ligne. Chacune reçoit les annulations et "
            "changements des permanences où le partenaire est présent.",
            "phone": "Pour le prévenir quand il n'a pas d'adresse.",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "notice_emails": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": "Indiquez le nom du partenaire."},
            "website": {"invalid": "Adresse de site invalide : elle commence par https://"},
            "network": {"invalid_choice": "Choisissez un type de la liste."},
        }


class PartnerMemberForm(PersonFields):
    """Invite a person of the partner: the `partner` role, tied to this partner."""

    def __init__(self, *args, operator, **kwargs):
        super().__init__(*args, **kwargs)
        self.operator = operator
