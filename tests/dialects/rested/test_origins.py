"""The project's origin allow-list and "disallow no origin" with the seed's 403, the master
key's bypass, and credentialed CORS for allow-listed origins only."""

from __future__ import annotations

import pytest

from service.dialects.rested import messages
from tests.dialects.rested.conftest import ADMIN, Rested, make_endpoint, make_project, refused

APP = "http://app.example:5173"
EVIL = "https://evil.example"


@pytest.fixture
async def locked(client) -> Rested:
    project = await make_project(client, "locked-app", allowedOrigins=[APP], disallowNoOrigin=True)
    await make_endpoint(client, project, "shop/items")
    return Rested(client, project)


def preflight(origin: str, method: str = "PUT") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "content-type, authorization",
    }


async def test_an_origin_off_the_list_and_no_origin_get_the_seeds_403(locked):
    await refused(
        await locked.call("GET", "shop/items", headers={"Origin": EVIL}), 403, messages.FORBIDDEN
    )
    await refused(await locked.call("GET", "shop/items"), 403, messages.FORBIDDEN)
    allowed = await locked.call("GET", "shop/items", headers={"Origin": APP})
    assert allowed.status == 200


async def test_the_master_key_bypasses_the_origin_policy(locked):
    made = await locked.create("shop/items", {"a": 1}, master=True, headers={"Origin": EVIL})
    assert made["data"] == {"a": 1}
    assert len(await locked.ok("GET", "shop/items", master=True)) == 1


async def test_an_allow_listed_origin_gets_credentialed_cors(locked):
    response = await locked.call("GET", "shop/items", headers={"Origin": APP})
    assert response.headers["Access-Control-Allow-Origin"] == APP
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert response.headers["Access-Control-Expose-Headers"] == "Authorization"
    assert "Origin" in response.headers["Vary"]
    refused_answer = await locked.call("GET", "shop/items", headers={"Origin": EVIL})
    assert "Access-Control-Allow-Origin" not in refused_answer.headers


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
async def test_preflights_of_json_writes_with_a_token_are_answered(locked, method):
    response = await locked.call("OPTIONS", "shop/items", headers=preflight(APP, method))
    assert response.status == 200, await response.text()
    headers = response.headers
    assert headers["Access-Control-Allow-Origin"] == APP
    assert headers["Access-Control-Allow-Credentials"] == "true"
    assert method in headers["Access-Control-Allow-Methods"].split(", ")
    assert set(headers["Access-Control-Allow-Headers"].split(", ")) == {
        "authorization",
        "content-type",
    }
    evil = await locked.call("OPTIONS", "shop/items", headers=preflight(EVIL, method))
    await refused(evil, 403, messages.FORBIDDEN)
    assert "Access-Control-Allow-Origin" not in evil.headers


async def test_without_an_allow_list_any_origin_gets_cors_without_credentials(rested, cars):
    response = await rested.call("GET", cars, headers={"Origin": EVIL})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == EVIL
    assert "Access-Control-Allow-Credentials" not in response.headers
    answer = await rested.call("OPTIONS", cars, headers=preflight(EVIL))
    assert answer.status == 200
    assert "Access-Control-Allow-Credentials" not in answer.headers


async def test_a_changed_allow_list_applies_on_the_next_request(client, locked):
    path = f"/admin/projects/{locked.project.id}"
    response = await client.patch(path, json={"allowedOrigins": [EVIL]}, headers=ADMIN)
    assert response.status == 200
    assert (await locked.call("GET", "shop/items", headers={"Origin": EVIL})).status == 200
    await refused(
        await locked.call("GET", "shop/items", headers={"Origin": APP}), 403, messages.FORBIDDEN
    )
