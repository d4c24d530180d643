"""`manage.py check --deploy`: the proxy settings and the limits agree, the secrets at rest have
their own key (docs/deployment.md).

One fact, "is there a proxy in front", decides both where the client's address is read
(`ALLERVERS_TRUSTED_PROXY_COUNT`, allervers/core/client_address.py::client_ip) and whether the
proxy's headers are believed (`SECURE_PROXY_SSL_HEADER`, `USE_X_FORWARDED_HOST`/`PORT`).
config/settings/base.py derives the second from the first; a settings module that sets them
apart gets a warning:
- W001: a proxy is counted but its X-Forwarded-Proto is not read (behind a TLS proxy, Django
  sees plain HTTP: with SECURE_SSL_REDIRECT every page redirects to itself).
- W002: proxy headers are believed while no proxy is counted: behind a proxy every client would
  share the proxy's address (one team's typos would lock everyone out), and without one a client
  could claim HTTPS or another host.
- W003: the flood guard of an address is not above an account's limit: the people sharing an
  address (a bus, a town hall) would be locked out before the account that failed.

And the key of the secrets at rest (`accounts/secrets_at_rest.py`, docs/deployment.md):
- W004: no dedicated `ALLERVERS_FIELD_ENCRYPTION_KEY`: the TOTP secrets are encrypted under a
  key derived from `SECRET_KEY`, so whoever has the secret key (or changes it carelessly) holds
  (or loses) them too.
"""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PROXY_HINT = (
    "Set ALLERVERS_TRUSTED_PROXY_COUNT to the number of proxies in front of the application "
    "(1 behind the documented TLS proxy, 0 without one) and let config/settings/base.py derive "
    "SECURE_PROXY_SSL_HEADER from it."
)


@register(Tags.security, deploy=True)
def proxy_settings_check(app_configs=None, **kwargs) -> list[Warning]:
    warnings = []
    count = settings.ALLERVERS_TRUSTED_PROXY_COUNT
    believed = [
        name
        for name in ("SECURE_PROXY_SSL_HEADER", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT")
        if getattr(settings, name, None)
    ]
    if count > 0 and not settings.SECURE_PROXY_SSL_HEADER:
        warnings.append(
            Warning(
                f"ALLERVERS_TRUSTED_PROXY_COUNT is {count} but SECURE_PROXY_SSL_HEADER is not "
                "set: the proxy's X-Forwarded-Proto is not read.",
                hint=PROXY_HINT,
                id="accounts.W001",
            )
        )
    if count == 0 and believed:
        warnings.append(
            Warning(
                f"{', '.join(believed)} trust a proxy's headers but ALLERVERS_TRUSTED_PROXY_COUNT "
                "is 0: behind a proxy every client would share its address, without one a client "
                "could forge these headers.",
                hint=PROXY_HINT,
                id="accounts.W002",
            )
        )
    if settings.ALLERVERS_ADDRESS_FAILURE_LIMIT <= settings.AXES_FAILURE_LIMIT:
        warnings.append(
            Warning(
                f"ALLERVERS_ADDRESS_FAILURE_LIMIT ({settings.ALLERVERS_ADDRESS_FAILURE_LIMIT}) is "
                f"not above ALLERVERS_LOGIN_FAILURE_LIMIT ({settings.AXES_FAILURE_LIMIT}): the "
                "people sharing one address would be locked out before the account that failed.",
                hint="Keep the address's flood guard far above a team's typos (default 100).",
                id="accounts.W003",
            )
        )
    return warnings


@register(Tags.security, deploy=True)
def field_encryption_key_check(app_configs=None, **kwargs) -> list[Warning]:
    if settings.ALLERVERS_FIELD_ENCRYPTION_KEY:
        return []
    return [
        Warning(
            "ALLERVERS_FIELD_ENCRYPTION_KEY is not set: the TOTP secrets are encrypted under a "
            "key derived from SECRET_KEY.",
            hint=(
                "Set ALLERVERS_FIELD_ENCRYPTION_KEY to a long random value of its own (for "
                "example `openssl rand -base64 32`), keep the derived key working meanwhile by "
                "putting the current SECRET_KEY in ALLERVERS_FIELD_ENCRYPTION_KEY_FALLBACKS, then "
                "run `manage.py second_factor_reencrypt` (docs/deployment.md, Secrets at rest)."
            ),
            id="accounts.W004",
        )
    ]
