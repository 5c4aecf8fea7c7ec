"""Where we may POST: a webhook's host must be on the public internet.

Merchants, billers and partners give us URLs; outside development and testing
(``Config.checks_outbound_urls``: staging and production) we must never be
made to POST into our own network (the metadata service, the database host,
localhost under another spelling). A host is refused unless every address it
resolves to is global: literals in any form the C library reads (``127.1``,
``2130706433``, ``0x7f000001``), IPv4 written as IPv6, private, link-local,
carrier-grade NAT, loopback. URLs are checked when they are given and again
just before each POST, since a name may point elsewhere by then.

What remains: ``requests`` resolves the name once more when it connects, so a
DNS server answering differently within that instant (rebinding) is not
excluded; closing that means connecting to the checked address itself.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

UNRESOLVED = "the host name does not resolve"


def non_public_reason(url: str) -> str | None:
    """Why a POST to ``url`` could reach something other than the public internet
    (a local name, a name that does not resolve, a non-global address); None if it cannot."""
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if not host or host in ("localhost", "localhost.localdomain"):
        return "no public host name"
    if host.endswith((".local", ".localhost", ".internal")):
        return "a local host name"
    try:
        addresses = _addresses(host)
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        return UNRESOLVED
    for address in addresses:
        if not _is_public(address):
            return f"the host resolves to a non-public address ({address})"
    return None


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address a connection to ``host`` may use: the literal (any form the C
    library reads: ``127.1``, ``2130706433``, ``0x7f000001``), else what DNS says."""
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        return [ipaddress.IPv4Address(socket.inet_aton(host))]
    except (OSError, UnicodeError):
        pass
    return [ipaddress.ip_address(str(a).split("%", 1)[0]) for a in resolve(host)]


def resolve(host: str) -> list[str]:
    """The addresses DNS gives for ``host`` (tests replace it: no network in tests)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)]


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
