from django.apps import AppConfig
from django.core import checks


class OperatorsConfig(AppConfig):
    name = "allervers.operators"
    verbose_name = "Structures et rôles"

    def ready(self):
        from allervers.core.mail import mail_check

        # The invitations are the first e-mails a structure needs: check the mailer at start.
        checks.register(mail_check, checks.Tags.compatibility)
