"""Read-decide-write races of JSONBin calls, with many concurrent clients on the real
server: the collection and access-key limits, schema attach against bin creation, and the
bin listing against the records it lists."""

import asyncio

import pytest

from service.app import create_app
from service.config import Settings
from service.core.documents import decode_key, encode_key
from service.dialects.jsonbin import binrecords as bins
from service.dialects.jsonbin.dialect import JsonBinDialect
from service.errors import Conflict
from service.store.api import Store
from service.store.catalog import CATALOG
from service.store.records import RECORDS
from tests.dialects.jsonbin.conftest import create_bin, make_account
from tests.dialects.jsonbin.test_collections_schemas_keys import make_collection, make_schema

CLIENTS = 20
VALID = {"username": "ann"}
INVALID = {"age": 3}  # lacks the schema's required "username"


async def _create_collection(client, account, n):
    return await client.post("/v3/c", headers={**account.headers, "X-Collection-Name": f"c{n}"})


async def _create_key(client, account, n):
    return await client.post(
        "/v3/a",
        json={"bins": {"read": True}},
        headers={**account.json_headers, "X-Key-Name": f"k{n}"},
    )


@pytest.mark.parametrize(("plan", "limit"), [("free", 1), ("pro", 10)])
async def test_concurrent_collection_creates_stop_exactly_at_the_plan_limit(
    client, database, plan, limit
):
    account = await make_account(database, f"{plan}-racer", plan=plan)
    responses = await asyncio.gather(
        *(_create_collection(client, account, n) for n in range(CLIENTS))
    )
    statuses = [response.status for response in responses]
    assert sorted(set(statuses)) == [200, 403], statuses
    assert statuses.count(200) == limit
    listed = await (await client.get("/v3/c", headers=account.headers)).json()
    assert len(listed) == limit


async def test_concurrent_access_key_creates_stop_at_four_and_a_delete_frees_a_slot(client, pro):
    responses = await asyncio.gather(*(_create_key(client, pro, n) for n in range(CLIENTS)))
    statuses = [response.status for response in responses]
    assert statuses.count(200) == 4 and statuses.count(403) == CLIENTS - 4, statuses
    listed = await (await client.get("/v3/a", headers=pro.headers)).json()
    assert len(listed) == 4
    deleted = await client.delete(f"/v3/a/{listed[0]['accessKeyId']}", headers=pro.headers)
    assert deleted.status == 200
    again = await asyncio.gather(*(_create_key(client, pro, n) for n in range(5)))
    assert sorted(response.status for response in again) == [200, 403, 403, 403, 403]


async def _tags(database, cid):
    cursor = database[RECORDS].find({"collectionId": cid}, {"schemaDocId": 1})
    return {decode_key(doc["_id"]): doc.get("schemaDocId") async for doc in cursor}


async def test_bins_created_while_a_schema_comes_and_goes_carry_the_collections_schema(
    client, database, pro
):
    cid = await make_collection(client, pro)
    sid = await make_schema(client, pro)
    headers = {**pro.json_headers, "X-Collection-Id": cid}

    async def create(n):
        await asyncio.sleep(n / 1000)  # spread over the time the attach or detach takes
        response = await client.post("/v3/b", json=INVALID if n % 2 else VALID, headers=headers)
        assert response.status in (200, 400), await response.text()

    async def flip(path):
        await asyncio.sleep(0.01)
        response = await client.put(
            f"/v3/c/{cid}/schemadoc/{path}", headers={**pro.headers, "X-Schema-Doc-Id": sid}
        )
        assert response.status == 200, await response.text()

    for path in ("add", "remove") * 3:
        await asyncio.gather(flip(path), *(create(n) for n in range(CLIENTS)))
        # Every bin carries the collection's schema, so its updates are validated by it.
        assert set((await _tags(database, cid)).values()) == {sid if path == "add" else None}
    await flip("add")
    for bin_id in await _tags(database, cid):
        update = await client.put(f"/v3/b/{bin_id}", json=INVALID, headers=pro.json_headers)
        assert update.status == 400, bin_id


async def _listing(client, account):
    page = await (await client.get("/v3/c/uncategorized/bins", headers=account.headers)).json()
    return {item["record"]: item.get("snippetMeta", {}).get("name") for item in page}


async def test_concurrent_renames_leave_the_listing_equal_to_the_bin(client, pro):
    bin_id = await create_bin(client, pro, {"n": 1})
    names = [f"name{n}" for n in range(CLIENTS)]
    responses = await asyncio.gather(
        *(
            client.put(f"/v3/b/{bin_id}/meta/name", headers={**pro.headers, "X-Bin-Name": name})
            for name in names
        )
    )
    assert all(response.status == 200 for response in responses)
    read = await (await client.get(f"/v3/b/{bin_id}", headers=pro.headers)).json()
    assert (await _listing(client, pro)) == {bin_id: read["metadata"]["name"]}


async def test_renames_racing_deletes_leave_only_live_bins_listed(client, pro):
    ids = [await create_bin(client, pro, {"n": n}) for n in range(5)]

    async def rename(bin_id, n):
        response = await client.put(
            f"/v3/b/{bin_id}/meta/name", headers={**pro.headers, "X-Bin-Name": f"n{n}"}
        )
        assert response.status in (200, 404, 409), await response.text()

    async def delete(bin_id):
        await asyncio.sleep(0.002)
        response = await client.delete(f"/v3/b/{bin_id}", headers=pro.headers)
        assert response.status == 200, await response.text()

    work = [rename(bin_id, n) for bin_id in ids for n in range(4)]
    await asyncio.gather(*work, *(delete(bin_id) for bin_id in ids[:3]))
    listing = await _listing(client, pro)
    assert set(listing) == set(ids[3:])
    for bin_id in ids[3:]:
        read = await (await client.get(f"/v3/b/{bin_id}", headers=pro.headers)).json()
        assert listing[bin_id] == read["metadata"].get("name")


async def test_a_bin_whose_listing_cannot_be_written_is_not_created(database, pro):
    # A fault between the two writes: the listing entry exists already (duplicate key).
    stored_id = encode_key(None, bins.NS, "b" * 24)
    await database[CATALOG].insert_one({"_id": stored_id, "project": pro.id})
    with pytest.raises(Conflict):
        await bins.create_bin(
            Store(database, key_cache_seconds=0),
            project=pro.id,
            bin_id="b" * 24,
            record={"n": 1},
            private=True,
            name=None,
            collection_id=None,
            schema_id=None,
            hold=True,
        )
    held_id = encode_key(pro.id, bins.NS, "b" * 24)
    assert await database[RECORDS].count_documents({"_id": {"$in": [stored_id, held_id]}}) == 0


@pytest.fixture
async def counted(aiohttp_client, counted_database):
    listened, commands = counted_database
    app = create_app(Settings(), database=listened, dialects=[JsonBinDialect()])
    return await aiohttp_client(app), commands


async def test_a_bin_create_writes_record_and_listing_in_one_transaction(counted, pro):
    client, commands = counted
    await create_bin(client, pro, {"n": 0})  # warm caches
    cid = await make_collection(client, pro)
    for extra, expected in (
        ({}, ["insert", "insert", "commitTransaction"]),
        # The collection read; in the transaction a schema guard and the collection again.
        (
            {"X-Collection-Id": cid},
            ["find", "update", "find", "insert", "insert", "commitTransaction"],
        ),
    ):
        commands.names.clear()
        await create_bin(client, pro, {"n": 1}, **extra)
        assert [name for name in commands.names if name not in ("hello", "ismaster")] == expected
