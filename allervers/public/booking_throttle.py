"""Limits on the residents' bookings (issue 13 point 7): per client address and per phone
number, per day, counted by the atomic counters of the login's limits
(allervers/accounts/counters.py: every worker process sees the same counts, and requests at
once never overrun a limit).

Every booking POST (book, register, move) counts for its client address — an IPv4 address, or
the /64 network of an IPv6 address, which one line can roam at will
(`allervers.core.client_address.client_network`); every attempt with a valid phone number counts for
that number. Past `ALLERVERS_BOOKING_LIMIT_PER_IP` or `ALLERVERS_BOOKING_LIMIT_PER_PHONE` within a
day, the request is refused with a French 429 page, nothing saved. A double submission answered
by its one-time token is not counted."""

from django.conf import settings

from allervers.accounts.counters import counter_increment
from allervers.core.client_address import client_network

DAY_SECONDS = 24 * 60 * 60
IP_KEY = "allervers:booking:ip:{ip}"
PHONE_KEY = "allervers:booking:phone:{phone}"


def ip_allowed(request) -> bool:
    """Count one booking POST from the client's address; False past the day's limit."""
    key = IP_KEY.format(ip=client_network(request))
    return counter_increment(key, seconds=DAY_SECONDS) <= settings.ALLERVERS_BOOKING_LIMIT_PER_IP


def phone_allowed(phone: str) -> bool:
    """Count one attempt with this (normalised) phone number; False past the day's limit."""
    if not phone:
        return True
    count = counter_increment(PHONE_KEY.format(phone=phone), seconds=DAY_SECONDS)
    return count <= settings.ALLERVERS_BOOKING_LIMIT_PER_PHONE
