"""Versioned PUTs racing on one bin, in one service and in two: every one answers 200 and
keeps exactly one version (numbers 1..n, no gap, no duplicate, no body lost)."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from typing import Any

import pytest

from service.app import create_app
from service.dialects.jsonbin import messages
from service.store import locks as store_locks
from service.store import versions
from service.store.locks import contended
from service.store.projects import create_project
from service.web.appkeys import STORE
from tests.dialects.jsonbin.conftest import create_bin
from tests.dialects.jsonbin.test_collections_schemas_keys import make_collection, make_schema
from tests.services import replicas

ORIGINAL = {"writer": "original"}


def versioned(headers: dict[str, str]) -> dict[str, str]:
    return {**headers, "Content-Type": "application/json", "X-Bin-Versioning": "true"}


async def history(get, bin_id: str, headers: dict[str, str]) -> tuple[int, list[Any], Any]:
    """(versionCount, the records of versions 1..count, the latest record) via the API."""
    count = (await get(f"/v3/b/{bin_id}/versions/count", headers))["metadata"]["versionCount"]
    records = [(await get(f"/v3/b/{bin_id}/{n}", headers))["record"] for n in range(1, count + 1)]
    latest = (await get(f"/v3/b/{bin_id}/latest", headers))["record"]
    return count, records, latest


def assert_each_body_once(
    outcomes: list[tuple[int, dict[str, Any]]], bodies: list[Any], records: list[Any], latest: Any
) -> None:
    """Every PUT answered 200 with its own version number, and the history holds the
    original and every body exactly once, each right after the one it replaced."""
    assert [status for status, _ in outcomes] == [200] * len(bodies), outcomes[:3]
    numbers = sorted(answer["metadata"]["version"] for _, answer in outcomes)
    assert numbers == list(range(1, len(bodies) + 1))
    stored = [*records, latest]
    assert stored[0] == ORIGINAL
    assert Counter(map(repr, stored)) == Counter(map(repr, [ORIGINAL, *bodies]))
    # The PUT answered version k archived the content before it: its body is version k+1.
    for (_, answer), body in zip(outcomes, bodies, strict=True):
        assert stored[answer["metadata"]["version"]] == body


async def test_64_concurrent_versioned_puts_on_one_bin_all_succeed_with_one_version_each(
    client, pro
):
    bin_id = await create_bin(client, pro, ORIGINAL)

    async def get(path: str, headers: dict[str, str]) -> Any:
        response = await client.get(path, headers=headers)
        assert response.status == 200, await response.text()
        return await response.json()

    async def put(body: Any) -> tuple[int, dict[str, Any]]:
        response = await client.put(f"/v3/b/{bin_id}", json=body, headers=versioned(pro.headers))
        return response.status, await response.json()

    bodies = [{"writer": i} for i in range(64)]
    outcomes = await asyncio.gather(*(put(body) for body in bodies))
    count, records, latest = await history(get, bin_id, pro.headers)
    assert count == 64
    assert_each_body_once(outcomes, bodies, records, latest)
    assert len(client.app[STORE].locks) == 0  # no writer left, no lock kept


@pytest.fixture
async def two_services(db_uri, connection):
    """Two `python -m service` processes on one database: two replicas."""
    name = connection.database.name
    async with replicas(2, MONGODB_URI=db_uri, MONGODB_DB=name) as running:
        yield running


async def _project_with_bin(database, session, base: str) -> tuple[dict[str, str], str]:
    """A new project's master-key header and a bin of it holding ORIGINAL."""
    _, keys = await create_project(database, name=f"race-{uuid.uuid4().hex[:6]}")
    master = {"X-Master-Key": keys["masterKey"]}
    headers = {**master, "Content-Type": "application/json"}
    async with session.post(f"{base}/v3/b", json=ORIGINAL, headers=headers) as created:
        assert created.status == 200, await created.text()
        return master, (await created.json())["metadata"]["id"]


async def test_two_services_with_32_versioned_writers_each_on_one_bin_lose_nothing(
    two_services, database
):
    session, bases = two_services
    master, bin_id = await _project_with_bin(database, session, bases[0])

    async def put(base: str, body: Any) -> tuple[int, dict[str, Any]]:
        url = f"{base}/v3/b/{bin_id}"
        async with session.put(url, json=body, headers=versioned(master)) as response:
            return response.status, await response.json()

    async def get(path: str, headers: dict[str, str]) -> Any:
        async with session.get(bases[1] + path, headers=headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    bodies = [{"writer": i, "via": i % 2} for i in range(64)]
    outcomes = await asyncio.gather(*(put(bases[i % 2], body) for i, body in enumerate(bodies)))
    count, records, latest = await history(get, bin_id, master)
    assert count == 64
    assert_each_body_once(outcomes, bodies, records, latest)


async def test_a_write_that_never_lands_ends_in_503_with_retry_after_not_409(
    client, pro, monkeypatch
):
    bin_id = await create_bin(client, pro, ORIGINAL)

    async def always_beaten(*args: Any, **kwargs: Any) -> None:
        raise contended()

    monkeypatch.setattr(store_locks, "SETTLE_SECONDS", 0.05)
    monkeypatch.setattr(versions, "apply_versioned_once", always_beaten)
    response = await client.put(f"/v3/b/{bin_id}", json={"a": 1}, headers=versioned(pro.headers))
    assert response.status == 503
    assert response.headers["Retry-After"] == "1"
    assert await response.json() == {"message": messages.UNAVAILABLE}
    assert len(client.app[STORE].locks) == 0


async def test_two_services_with_versioned_writers_while_the_bin_moves_lose_nothing(
    two_services, database
):
    """The bin moves out of its owner's hold and back (privacy flips) through one replica
    while both write it, versioned: every write lands with its own version."""
    session, bases = two_services
    master, bin_id = await _project_with_bin(database, session, bases[0])

    async def put(base: str, body: Any) -> tuple[int, dict[str, Any]]:
        await asyncio.sleep(body["writer"] / 400)
        url = f"{base}/v3/b/{bin_id}"
        async with session.put(url, json=body, headers=versioned(master)) as response:
            return response.status, await response.json()

    async def flips() -> None:
        for private in ("false", "true") * 3:
            await asyncio.sleep(0.01)
            url = f"{bases[1]}/v3/b/{bin_id}/meta/privacy"
            async with session.put(url, headers={**master, "X-Bin-Private": private}) as response:
                assert response.status == 200, await response.text()

    async def get(path: str, headers: dict[str, str]) -> Any:
        async with session.get(bases[0] + path, headers=headers) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    bodies = [{"writer": i, "via": i % 2} for i in range(32)]
    *outcomes, _ = await asyncio.gather(
        *(put(bases[i % 2], body) for i, body in enumerate(bodies)), flips()
    )
    count, records, latest = await history(get, bin_id, master)
    assert count == 32
    assert_each_body_once(outcomes, bodies, records, latest)


async def test_a_replica_decides_from_a_read_when_the_bin_it_remembers_changed_elsewhere(
    client, aiohttp_client, database, settings, pro
):
    """A versioned PUT may start from the bin as this replica's last write left it
    (service.store.lastwrites); when another replica removed the collection's schema
    meanwhile, the body that schema refused must not be refused from that memory."""
    other = await aiohttp_client(create_app(settings, database=database))
    cid = await make_collection(client, pro)
    sid = await make_schema(client, pro)
    bin_id = await create_bin(client, pro, {"username": "ann"}, **{"X-Collection-Id": cid})
    schema = {**pro.headers, "X-Schema-Doc-Id": sid}
    assert (await client.put(f"/v3/c/{cid}/schemadoc/add", headers=schema)).status == 200
    refused = await client.put(f"/v3/b/{bin_id}", json={"age": 3}, headers=versioned(pro.headers))
    assert refused.status == 400
    for name in ("bo", "cy", "di"):  # read, read (found as left), then from memory
        put = await client.put(
            f"/v3/b/{bin_id}", json={"username": name}, headers=versioned(pro.headers)
        )
        assert put.status == 200, await put.text()
    removed = await other.put(f"/v3/c/{cid}/schemadoc/remove", headers=pro.headers)
    assert removed.status == 200
    put = await client.put(f"/v3/b/{bin_id}", json={"age": 3}, headers=versioned(pro.headers))
    assert put.status == 200, await put.text()
    latest = await client.get(f"/v3/b/{bin_id}/latest", headers=pro.headers)
    assert (await latest.json())["record"] == {"age": 3}
