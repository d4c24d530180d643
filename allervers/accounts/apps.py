from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "allervers.accounts"

    def ready(self):
        # The deploy checks register themselves; sessions connects the login/logout receivers.
        from . import checks, sessions  # noqa: F401
