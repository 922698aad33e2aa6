"""Public bins are judged by their owner: the owner's plan, quota and origin allow-list
apply whoever calls (no key, or another project's key)."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.core.documents import encode_key
from service.dialects.jsonbin import messages
from service.dialects.jsonbin.plans import requests_used
from service.store import projects
from tests.dialects.jsonbin.conftest import Account, create_bin
from tests.dialects.jsonbin.test_bins import JSON, expect

PUBLIC = {"X-Bin-Private": "false"}
BIG = {"blob": "x" * (600 * 1024)}  # over free's 500 kb, under pro's 1 MB
MINE = "https://mine.example"
EVIL = "https://evil.example"


async def latest(client, bin_id: str):
    response = await client.get(f"/v3/b/{bin_id}/latest")
    assert response.status == 200
    return (await response.json())["record"]


# --- plan and quota -----------------------------------------------------------------------


async def test_free_owners_public_bin_refuses_900kb_from_a_pro_key(client, pro, free):
    bin_id = await create_bin(client, free, {"v": 0}, **PUBLIC)
    response = await client.put(f"/v3/b/{bin_id}", json=BIG, headers=pro.json_headers)
    await expect(response, 403, messages.FREE_UPDATE_SIZE)
    assert await latest(client, bin_id) == {"v": 0}


async def test_pro_owners_public_bin_takes_600kb_from_a_free_key(client, pro, free):
    bin_id = await create_bin(client, pro, {"v": 0}, **PUBLIC)
    response = await client.put(f"/v3/b/{bin_id}", json=BIG, headers=free.json_headers)
    assert response.status == 200, await response.text()
    assert await latest(client, bin_id) == BIG


async def test_versioning_a_free_owners_public_bin_with_a_pro_key_is_403(client, pro, free):
    bin_id = await create_bin(client, free, {"v": 0}, **PUBLIC)
    headers = {**pro.json_headers, "X-Bin-Versioning": "true"}
    response = await client.put(f"/v3/b/{bin_id}", json={"v": 1}, headers=headers)
    await expect(response, 403, messages.FREE_VERSIONING)


async def test_a_free_key_versions_a_pro_owners_public_bin(client, pro, free):
    bin_id = await create_bin(client, pro, {"v": 0}, **PUBLIC)
    headers = {**free.json_headers, "X-Bin-Versioning": "true"}
    response = await client.put(f"/v3/b/{bin_id}", json={"v": 1}, headers=headers)
    assert response.status == 200, await response.text()
    assert (await response.json())["metadata"]["version"] == 1


@pytest.mark.parametrize("method", ["put", "get"])
async def test_a_foreign_key_on_a_public_bin_charges_only_the_owner(client, pro, free, method):
    bin_id = await create_bin(client, free, {"v": 0}, **PUBLIC)
    before = requests_used(client.app, free.id), requests_used(client.app, pro.id)
    call = getattr(client, method)
    body = {"json": {"v": 1}} if method == "put" else {}
    response = await call(f"/v3/b/{bin_id}", headers=pro.json_headers, **body)
    assert response.status == 200, await response.text()
    after = requests_used(client.app, free.id), requests_used(client.app, pro.id)
    assert after == (before[0] + 1, before[1])


async def test_a_private_put_by_its_owner_is_charged_once(client, pro):
    bin_id = await create_bin(client, pro, {"v": 0})
    before = requests_used(client.app, pro.id)
    for n in range(3):
        assert (await client.put(f"/v3/b/{bin_id}", json={"v": n}, headers=pro.json_headers)).ok
    versioned = {**pro.json_headers, "X-Bin-Versioning": "true"}
    assert (await client.put(f"/v3/b/{bin_id}", json={"v": 9}, headers=versioned)).ok
    assert requests_used(client.app, pro.id) == before + 4


class TestQuotas:
    @pytest.fixture
    def settings(self) -> Settings:
        return Settings(quota_free_requests=3)

    async def test_an_owner_with_its_quota_spent_refuses_writes_by_any_key(
        self, client, database, pro, free
    ):
        bin_id = await create_bin(client, free, {"v": 0}, **PUBLIC)  # 1 of 3
        for n in (1, 2):  # 2 and 3 of 3, with the owner's own key
            assert (
                await client.put(f"/v3/b/{bin_id}", json={"v": n}, headers=free.json_headers)
            ).ok
        response = await client.put(f"/v3/b/{bin_id}", json={"v": 9}, headers=pro.json_headers)
        await expect(response, 403, messages.REQUESTS_EXHAUSTED)
        # read from the database: a read through the API would be refused for the quota too
        stored = await database.records.find_one({"_id": encode_key(None, "jsonbin", bin_id)})
        assert stored["data"] == {"v": 2}

    async def test_a_key_with_its_quota_spent_still_writes_a_public_bin_of_another(
        self, client, pro, free
    ):
        own = await create_bin(client, free, {"v": 0})  # 1 of 3
        for n in (1, 2):
            assert (await client.put(f"/v3/b/{own}", json={"v": n}, headers=free.json_headers)).ok
        spent = await client.put(f"/v3/b/{own}", json={"v": 3}, headers=free.json_headers)
        await expect(spent, 403, messages.REQUESTS_EXHAUSTED)
        public = await create_bin(client, pro, {"v": 0}, **PUBLIC)
        response = await client.put(f"/v3/b/{public}", json={"v": 1}, headers=free.json_headers)
        assert response.status == 200, await response.text()


# --- origins ------------------------------------------------------------------------------


@pytest.fixture
async def locked(database) -> Account:
    """A pro project whose allow-list holds only MINE."""
    project, keys = await projects.create_project(
        database, name="locked", allowed_origins=frozenset({MINE})
    )
    return Account(project.id, keys["masterKey"], keys["apiKey"])


@pytest.fixture
async def locked_bin(client, locked) -> str:
    return await create_bin(client, locked, {"v": 0}, **PUBLIC)


@pytest.mark.parametrize("path", ["", "/latest", "/1", "/versions/count"])
async def test_a_public_bin_read_from_an_origin_its_owner_refuses_is_403(
    client, locked_bin, locked, path
):
    # one version, so /1 exists
    assert (await client.put(f"/v3/b/{locked_bin}", json={"v": 1}, headers=JSON)).ok
    refused = await client.get(f"/v3/b/{locked_bin}{path}", headers={"Origin": EVIL})
    await expect(refused, 403, "origin not allowed")
    allowed = await client.get(f"/v3/b/{locked_bin}{path}", headers={"Origin": MINE})
    assert allowed.status == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == MINE
    server_side = await client.get(f"/v3/b/{locked_bin}{path}")
    assert server_side.status == 200


async def test_a_public_bin_written_without_a_key_from_a_refused_origin_is_403(client, locked_bin):
    refused = await client.put(
        f"/v3/b/{locked_bin}", json={"v": 1}, headers={**JSON, "Origin": EVIL}
    )
    await expect(refused, 403, "origin not allowed")
    assert await latest(client, locked_bin) == {"v": 0}
    allowed = await client.put(
        f"/v3/b/{locked_bin}", json={"v": 2}, headers={**JSON, "Origin": MINE}
    )
    assert allowed.status == 200
    assert await latest(client, locked_bin) == {"v": 2}


async def test_another_projects_key_does_not_lift_the_owners_origin_policy(client, locked_bin, pro):
    refused = await client.put(
        f"/v3/b/{locked_bin}", json={"v": 1}, headers={**pro.json_headers, "Origin": EVIL}
    )
    await expect(refused, 403, "origin not allowed")
    read = await client.get(f"/v3/b/{locked_bin}", headers={**pro.headers, "Origin": EVIL})
    await expect(read, 403, "origin not allowed")
    assert await latest(client, locked_bin) == {"v": 0}


async def test_an_owner_without_an_allow_list_admits_every_origin(client, pro):
    bin_id = await create_bin(client, pro, {"v": 0}, **PUBLIC)
    read = await client.get(f"/v3/b/{bin_id}", headers={"Origin": EVIL})
    assert read.status == 200
    write = await client.put(f"/v3/b/{bin_id}", json={"v": 1}, headers={**JSON, "Origin": EVIL})
    assert write.status == 200


async def test_a_refused_origin_is_not_charged_to_the_owner(client, locked_bin, locked):
    before = requests_used(client.app, locked.id)
    refused = await client.get(f"/v3/b/{locked_bin}", headers={"Origin": EVIL})
    assert refused.status == 403
    assert requests_used(client.app, locked.id) == before
