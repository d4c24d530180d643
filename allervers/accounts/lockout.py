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
    timeout = int(get_cool_off(request).total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        count = 1
    return count <= settings.ALLERVERS_PASSWORD_RESET_LIMIT
