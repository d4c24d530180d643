from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "allervers.accounts"

    def ready(self):
        from . import sessions  # noqa: F401  (connects the login and logout receivers)
