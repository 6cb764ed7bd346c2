"""The real client address of a request, behind our own reverse proxy.

`REMOTE_ADDR` is the proxy's address when nginx (deploy/nginx) forwards the
request. X-Forwarded-For is believed only when the direct peer is one of
`settings.TRUSTED_PROXIES` (addresses or networks); the list is then read
from the right, skipping our own proxies, and the first other address is the
client. A client that sends its own X-Forwarded-For straight to the app, or
through the proxy, cannot choose the address we record or throttle on.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address, or None (no request, or no valid address)."""
    if request is None:
        return None
    if hasattr(request, "_client_ip"):
        cached: str | None = request._client_ip
        return cached
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    result = remote
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if remote and networks and _trusted(remote, networks):
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):
            address = _valid(hop)
            if address is None:
                break  # garbage from the client side: keep the last good address
            result = address
            if not _trusted(address, networks):
                break
    request._client_ip = result  # type: ignore[attr-defined]
    return result


def subnet_of(address: str | None) -> str | None:
    """The /24 (IPv4) or /56 (IPv6) network around an address, for throttling neighbours together."""
    if not address:
        return None
    ip = ipaddress.ip_address(address)
    prefix = 24 if ip.version == 4 else 56
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
