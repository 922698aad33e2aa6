"""Who is calling: the client's address, seen through the proxies the operator trusts.

Behind an ingress every connection comes from the proxy, so limits keyed on the peer
would put every client in one bucket. When the peer is in TRUSTED_PROXIES, the address is
the right-most `X-Forwarded-For` entry that is not itself trusted: entries to its left
were written by the client and prove nothing. From any other peer the header is ignored.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from aiohttp import web

from service.config import Network
from service.web.appkeys import SETTINGS


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: web.Request) -> str:
    """The calling client's address ("unknown" when the connection has none)."""
    peer = request.remote or "unknown"
    networks = request.app[SETTINGS].trusted_proxies
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in request.headers.get("X-Forwarded-For", "").split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not _trusted(hop, networks):
            return hop
    return peer  # every hop a trusted proxy: the nearest one is all we know
