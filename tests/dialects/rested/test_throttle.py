"""Failed logins per project and client address, registrations per client address: counted
in the database, answered with 429, Retry-After and rested's envelope."""

from __future__ import annotations

import asyncio
import time
from ipaddress import ip_network

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.rested import messages
from service.dialects.rested.settings import RestedSettings
from tests.dialects.rested.conftest import (
    ADMIN_TOKEN,
    Rested,
    make_endpoint,
    make_project,
    refused,
    register,
)

LOGIN = {"login": "true"}
WRONG = {"username": "ann", "password": "wrong"}
RIGHT = {"username": "ann", "password": "pw-1234"}


@pytest.fixture
def rested_settings() -> RestedSettings:
    return RestedSettings(
        cookie_secure=False, login_failures_per_minute=3, registrations_per_minute=4
    )


@pytest.fixture(autouse=True)
async def whole_window() -> None:
    """Windows are UTC minutes: start a test with time left in one, so it stays in it."""
    left = 60 - time.time() % 60
    if left < 15:
        await asyncio.sleep(left + 0.1)


async def test_failed_logins_are_throttled_then_even_the_right_password(rested, auth):
    await register(rested, auth, "ann")
    for _ in range(3):
        await refused(await rested.call("POST", auth, params=LOGIN, json=WRONG), 401)
    for body in (WRONG, RIGHT):
        response = await rested.call("POST", auth, params=LOGIN, json=body)
        await refused(response, 429, messages.LOGIN_THROTTLED)
        assert 1 <= int(response.headers["Retry-After"]) <= 60


async def test_successful_logins_are_not_counted(rested, auth):
    await register(rested, auth, "ann")
    for _ in range(5):
        response = await rested.call("POST", auth, params=LOGIN, json=RIGHT)
        assert response.status == 200
    await refused(await rested.call("POST", auth, params=LOGIN, json=WRONG), 401)


async def test_failed_logins_count_per_project(client, rested, auth):
    from tests.dialects.rested.conftest import Rested, make_endpoint, make_project

    await register(rested, auth, "ann")
    for _ in range(4):
        await rested.call("POST", auth, params=LOGIN, json=WRONG)
    other = Rested(client, await make_project(client, "other-app"))
    await make_endpoint(client, other.project, auth, authentication=True)
    await register(other, auth, "ann")
    assert (await other.call("POST", auth, params=LOGIN, json=RIGHT)).status == 200


async def test_registrations_are_throttled_per_client_address(rested, auth):
    for n in range(4):
        await register(rested, auth, f"user{n}")
    response = await rested.call("POST", auth, json={"username": "late", "password": "pw"})
    await refused(response, 429, messages.REGISTER_THROTTLED)
    assert int(response.headers["Retry-After"]) >= 1
    assert len(await rested.ok("GET", auth, master=True)) == 4


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_window(
    aiohttp_client, database, dialect
):
    # The test client connects from 127.0.0.1: the proxy an ingress would be.
    settings = Settings(admin_token=ADMIN_TOKEN, trusted_proxies=(ip_network("127.0.0.0/8"),))
    client = await aiohttp_client(create_app(settings, database=database, dialects=[dialect]))
    rested = Rested(client, await make_project(client))
    await make_endpoint(client, rested.project, "examples/auth", authentication=True)
    await register(rested, "examples/auth", "ann")
    first, second = {"X-Forwarded-For": "203.0.113.1"}, {"X-Forwarded-For": "203.0.113.2"}
    for _ in range(3):
        response = await rested.call(
            "POST", "examples/auth", params=LOGIN, json=WRONG, headers=first
        )
        await refused(response, 401)
    throttled = await rested.call("POST", "examples/auth", params=LOGIN, json=WRONG, headers=first)
    await refused(throttled, 429, messages.LOGIN_THROTTLED)
    other = await rested.call("POST", "examples/auth", params=LOGIN, json=RIGHT, headers=second)
    assert other.status == 200
