from django.contrib.auth.forms import AuthenticationForm


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
