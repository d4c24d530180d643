"""The client's address: the one reader of it for every limit, django-axes and the access log
(`client_ip`), and the client as the per-address limits count it (`client_network`)."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's address, the one function every limit and the access log read.

    Without a proxy (`ALLERVERS_TRUSTED_PROXY_COUNT` 0, the default) the connection's own
    address: X-Forwarded-For is the client's word and is ignored. Behind N proxies, the entry of
    X-Forwarded-For that the outermost trusted proxy wrote (the ones before it can be forged).
    An IPv4 address written as IPv6 (::ffff:a.b.c.d) is the IPv4 address; an entry that is not
    an address falls back to the connection's address."""
    remote = _address(request.META.get("REMOTE_ADDR", "")) or ""
    count = settings.ALLERVERS_TRUSTED_PROXY_COUNT
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if count <= 0 or not forwarded:
        return remote
    return _address(forwarded[-min(count, len(forwarded))]) or remote


def _address(text: str) -> str | None:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)


def client_network(request) -> str:
    """The client as the per-address limits count it: an IPv4 address, or the /64 network of an
    IPv6 address (one subscriber's line gets a whole /64 and can pick any address in it)."""
    ip = client_ip(request)
    if ":" not in ip:
        return ip
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))
