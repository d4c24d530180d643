"""Limits on the residents' bookings (issue 13 point 7): per client IP address and per phone
number, per day, counted in the shared cache (every worker process sees the same counts), as
the password-reset throttle does (allervers/accounts/lockout.py).

Every booking POST (book, register, move) counts for its IP address; every attempt with a valid
phone number counts for that number. Past `ALLERVERS_BOOKING_LIMIT_PER_IP` or
`ALLERVERS_BOOKING_LIMIT_PER_PHONE` within a day, the request is refused with a French 429
page, nothing saved. A double submission answered by its one-time token is not counted."""

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache

DAY_SECONDS = 24 * 60 * 60
IP_KEY = "allervers:booking:ip:{ip}"
PHONE_KEY = "allervers:booking:phone:{phone}"


def _count(key: str) -> int:
    """Add one to `key`, which expires a day after its first count; the new count."""
    cache.add(key, 0, timeout=DAY_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=DAY_SECONDS)
        return 1


def ip_allowed(request) -> bool:
    """Count one booking POST from the client's IP address; False past the day's limit."""
    key = IP_KEY.format(ip=get_client_ip_address(request))
    return _count(key) <= settings.ALLERVERS_BOOKING_LIMIT_PER_IP


def phone_allowed(phone: str) -> bool:
    """Count one attempt with this (normalised) phone number; False past the day's limit."""
    if not phone:
        return True
    return _count(PHONE_KEY.format(phone=phone)) <= settings.ALLERVERS_BOOKING_LIMIT_PER_PHONE
