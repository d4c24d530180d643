"""Lockout after repeated failures (django-axes) and the password-reset throttle.

django-axes counts the failed logins in the database (`AXES_HANDLER`, config/settings/base.py)
per typed e-mail address and per client IP address; this module tells it how to read both, and
throttles the password-reset form per IP address with the shared cache (`CACHES`)."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address, get_cool_off
from django.conf import settings
from django.core.cache import cache

from .models import UserManager

RESET_KEY = "allervers:password-reset:{ip}"


def typed_email(request, credentials: dict | None) -> str:
    """The address as the login compares it (trimmed, lower-case): « A@x.fr » and « a@x.fr » are
    one account, so they share one failure count."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials and credentials.get(field) is not None:
        typed = credentials[field]
    else:
        typed = request.POST.get(field, "")
    return UserManager.normalize_email(typed)


def client_ip(request) -> str:
    """The client's address: behind `ALLERVERS_TRUSTED_PROXY_COUNT` proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy wrote (the ones before it are the client's
    word and can be forged); without the header or proxy, the connection's own address."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.ALLERVERS_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count <= 0 or not forwarded:
        return remote
    return forwarded[-min(count, len(forwarded))]


def is_locked(request, email: str) -> bool:
    """Whether this address, or the client's IP address, is locked out now."""
    return AxesProxyHandler.is_locked(
        request, {settings.AXES_USERNAME_FORM_FIELD: UserManager.normalize_email(email)}
    )


def password_reset_allowed(request) -> bool:
    """Count one password-reset request from the client's IP address; False past
    `ALLERVERS_PASSWORD_RESET_LIMIT` requests within the cool-off period."""
    key = RESET_KEY.format(ip=get_client_ip_address(request))
    return _count(key, request, restart=False) <= settings.ALLERVERS_PASSWORD_RESET_LIMIT


def _count(key: str, request, *, restart: bool) -> int:
    """Add one to the counter `key` of the shared cache, which expires one cool-off period after
    its first count, or after its latest one with `restart`; the new count."""
    timeout = int(get_cool_off(request).total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        count = 1
    if restart:
        cache.touch(key, timeout=timeout)
    return count


# The second-factor step: wrong codes counted per account and per client IP address, with the
# login's limit and cool-off (AXES_FAILURE_LIMIT, AXES_COOLOFF_TIME). A right password does not
# reset the account's count (it would give anyone holding the password endless tries at the
# code); a right code does.
SECOND_FACTOR_KEYS = ("allervers:second-factor:user:{user}", "allervers:second-factor:ip:{ip}")


def _second_factor_keys(request) -> list[str]:
    user_key, ip_key = SECOND_FACTOR_KEYS
    return [
        user_key.format(user=request.user.pk),
        ip_key.format(ip=get_client_ip_address(request)),
    ]


def second_factor_locked(request) -> bool:
    """Whether the code step is locked for this account or this IP address."""
    counts = cache.get_many(_second_factor_keys(request))
    return any(count >= settings.AXES_FAILURE_LIMIT for count in counts.values())


def second_factor_failed(request) -> None:
    """Count one wrong code (or one attempt during the lockout, which starts the cool-off
    again, as for the login)."""
    for key in _second_factor_keys(request):
        _count(key, request, restart=True)


def second_factor_passed(request) -> None:
    cache.delete(_second_factor_keys(request)[0])
