"""The client address behind trusted proxies: X-Forwarded-For counts only from them, and
only its right-most untrusted entry (what the nearest trusted proxy saw)."""

from __future__ import annotations

from ipaddress import ip_network
from unittest import mock

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from service.config import ConfigError, Settings, load_settings
from service.web.appkeys import SETTINGS
from service.web.clients import client_address

PROXIES = (ip_network("10.0.0.0/8"), ip_network("fd00::/8"))


def request_from(peer: str, forwarded: str | None, trusted=PROXIES) -> web.Request:
    app = web.Application()
    app[SETTINGS] = Settings(trusted_proxies=trusted)
    transport = mock.Mock()
    transport.get_extra_info.side_effect = lambda name, default=None: (
        (peer, 40000) if name == "peername" else default
    )
    headers = {} if forwarded is None else {"X-Forwarded-For": forwarded}
    return make_mocked_request("GET", "/", headers=headers, app=app, transport=transport)


@pytest.mark.parametrize(
    ("peer", "forwarded", "client"),
    [
        ("10.1.2.3", "203.0.113.9", "203.0.113.9"),
        (
            "10.1.2.3",
            "198.51.100.1, 203.0.113.9, 10.4.4.4",
            "203.0.113.9",
        ),  # left: the client's word
        ("fd00::1", "2001:db8::7", "2001:db8::7"),
        ("10.1.2.3", "10.9.9.9", "10.1.2.3"),  # only proxies on the way
        ("10.1.2.3", None, "10.1.2.3"),
        ("198.51.100.1", "203.0.113.9", "198.51.100.1"),  # an untrusted peer's header is ignored
    ],
)
def test_the_client_is_the_nearest_hop_no_trusted_proxy_vouches_for(peer, forwarded, client):
    assert client_address(request_from(peer, forwarded)) == client


def test_without_trusted_proxies_the_header_is_ignored():
    assert client_address(request_from("10.1.2.3", "203.0.113.9", trusted=())) == "10.1.2.3"


def test_the_setting_takes_networks_and_addresses_and_refuses_others():
    loaded = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7"})
    assert loaded.trusted_proxies == (ip_network("10.0.0.0/8"), ip_network("192.168.1.7/32"))
    with pytest.raises(ConfigError):
        load_settings({"TRUSTED_PROXIES": "10.0.0.0/33"})
