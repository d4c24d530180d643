from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm


class LoginForm(AuthenticationForm):
    """The stock form (its field keeps Django's name, `username`, and holds the e-mail address),
    with a French message that never says which part was wrong."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Adresse électronique ou mot de passe incorrect. Vérifiez votre saisie "
            "(les majuscules du mot de passe comptent) et réessayez."
        ),
        "inactive": "Adresse électronique ou mot de passe incorrect.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        email = self.fields["username"]
        email.label = "Adresse électronique"
        email.widget.input_type = "email"
        email.widget.attrs["autocomplete"] = "username"
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class SecondFactorCodeForm(forms.Form):
    """The code of the second factor: 6 digits from the application, or a backup code."""

    code = forms.CharField(
        label="Code de vérification",
        max_length=20,
        error_messages={"required": "Saisissez le code de vérification."},
    )

    def __init__(self, *args, help_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.fields["code"]
        code.help_text = help_text
        code.widget.attrs.update(
            {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
        )


class InvitationPasswordResetForm(PasswordResetForm):
    """Django's form, which sends nothing to an account without a usable password; such an
    account is an invited person who never chose one (the e-mail got lost, the link expired):
    it gets its invitation again, with a fresh link. The page that follows is the same
    whatever the address (no account enumeration)."""

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from allervers.operators.services import invitation_renew_for

        email = get_user_model().objects.normalize_email(self.cleaned_data["email"])
        for user in get_user_model().objects.filter(email__iexact=email.strip(), is_active=True):
            invitation_renew_for(user=user)
