"""`manage.py second_factor_reencrypt`: rewrite every TOTP secret under the current key of
`ALLERVERS_FIELD_ENCRYPTION_KEY` (a key rotation, docs/deployment.md "Secrets at rest"). Ends
with an error status when some secret no configured key opens; prints no secret and no key."""

from django.core.management.base import BaseCommand, CommandError

from allervers.accounts.second_factor import totp_secrets_reencrypt


class Command(BaseCommand):
    help = (
        "Rechiffre les clés des applications d'authentification avec la clé de chiffrement "
        "actuelle (après un changement de clé)."
    )

    def handle(self, *args, **options):
        rewritten, unreadable = totp_secrets_reencrypt()
        self.stdout.write(
            f"{rewritten} clé(s) d'application d'authentification rechiffrée(s) avec la clé "
            "actuelle."
        )
        if unreadable:
            ids = ", ".join(str(pk) for pk in unreadable)
            raise CommandError(
                f"{len(unreadable)} clé(s) illisible(s) avec les clés configurées "
                f"(applications n° {ids}) : remettez l'ancienne clé dans "
                "ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS et relancez, ou faites réinitialiser la "
                "double authentification de ces comptes."
            )
