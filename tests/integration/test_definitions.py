"""Definitions on the real server: revisions and compare-and-swap edits, the app's cached
loader (TTL, forget, shared misses, bounded size), and the dialects that use both."""

from __future__ import annotations

import asyncio

import pytest
from pymongo import AsyncMongoClient, monitoring

from service.app import create_app
from service.config import Settings
from service.core.queries import Eq, Meta, Not, Query
from service.errors import NotFound, RevisionMismatch
from service.store import definitions
from service.store.api import Store
from service.store.definitions import DEFINITIONS
from service.web.definitions_cache import DefinitionCache
from tests.dialects.highlevel.conftest import OBJECT, create_field, create_object, make_location
from tests.dialects.jsonbin.conftest import create_bin, make_account
from tests.dialects.jsonbin.test_collections_schemas_keys import (
    SCHEMA,
    make_collection,
    make_schema,
)

CATEGORY = "test.list"
EDITORS = 8


async def _create(db, **attrs):
    return await definitions.create(db, project="p1", category=CATEGORY, attrs=attrs)


async def _cas(db, doc_id, rev, **changes):
    return await definitions.update(
        db, project="p1", category=CATEGORY, definition_id=doc_id, changes=changes, expected_rev=rev
    )


async def test_every_write_bumps_the_revision(database):
    doc = await _create(database, name="a")
    assert doc["rev"] == 0
    updated = await definitions.update(
        database, project="p1", category=CATEGORY, definition_id=doc["_id"], changes={"name": "b"}
    )
    assert (updated["rev"], updated["name"]) == (1, "b")


async def test_an_update_at_the_current_revision_applies(database):
    doc = await _create(database, name="a")
    updated = await _cas(database, doc["_id"], 0, name="b")
    assert (updated["rev"], updated["name"]) == (1, "b")
    assert (await _cas(database, doc["_id"], 1, name="c"))["rev"] == 2


async def test_an_update_at_a_stale_revision_raises_revision_mismatch_and_changes_nothing(
    database,
):
    doc = await _create(database, name="a")
    await _cas(database, doc["_id"], 0, name="b")
    with pytest.raises(RevisionMismatch) as caught:
        await _cas(database, doc["_id"], 0, name="stale")
    assert caught.value.details == {"rev": 1}
    stored = await definitions.get(
        database, project="p1", category=CATEGORY, definition_id=doc["_id"]
    )
    assert (stored["rev"], stored["name"]) == (1, "b")


async def test_an_update_of_a_missing_definition_is_not_found_not_a_mismatch(database):
    with pytest.raises(NotFound):
        await _cas(database, "no-such-id", 0, name="x")
    doc = await _create(database, name="a")
    with pytest.raises(NotFound):  # another category's definition is not this one
        await definitions.update(
            database,
            project="p1",
            category="test.other",
            definition_id=doc["_id"],
            changes={"name": "x"},
            expected_rev=0,
        )


async def test_concurrent_edits_from_one_revision_have_exactly_one_winner_per_revision(database):
    doc = await _create(database, name="start")
    for rev in range(3):
        outcomes = await asyncio.gather(
            *(_cas(database, doc["_id"], rev, name=f"r{rev}e{n}") for n in range(EDITORS)),
            return_exceptions=True,
        )
        won = [outcome for outcome in outcomes if isinstance(outcome, dict)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, RevisionMismatch)]
        assert (len(won), len(lost)) == (1, EDITORS - 1), outcomes
        assert won[0]["rev"] == rev + 1
    stored = await database[DEFINITIONS].find_one({"_id": doc["_id"]})
    assert stored["rev"] == 3


async def test_find_selects_by_query_across_categories_oldest_first(database):
    store = Store(database, key_cache_seconds=0)
    first = await store.definitions.create("p1", CATEGORY, {"owner": "o1", "key": "a"})
    await store.definitions.create("p1", "test.other", {"owner": "o2", "key": "b"})
    third = await store.definitions.create("p1", "test.other", {"owner": "o1", "key": "c"})
    await store.definitions.create("p2", CATEGORY, {"owner": "o1", "key": "d"})
    found = await store.definitions.find(
        "p1", (CATEGORY, "test.other"), Query(where=Eq(Meta("owner"), "o1"))
    )
    assert [doc["_id"] for doc in found] == [first["_id"], third["_id"]]


async def test_a_list_merge_keeps_stored_items_the_change_does_not_name(database):
    store = Store(database, key_cache_seconds=0)
    options = [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}]
    doc = await store.definitions.create("p1", CATEGORY, {"options": options, "name": "x"})
    changed = [{"key": "b", "label": "B2"}, {"key": "c", "label": "$C"}]  # `$` stays literal
    updated = await store.definitions.update(
        "p1",
        CATEGORY,
        doc["_id"],
        {"options": changed, "name": "y"},
        merge_lists={"options": "key"},
    )
    assert updated["options"] == [*changed, {"key": "a", "label": "A"}]
    assert (updated["name"], updated["rev"]) == ("y", 1)


async def test_detach_pulls_values_only_where_the_query_matches_and_delete_removes(database):
    store = Store(database, key_cache_seconds=0)
    doc = await store.definitions.create("p1", CATEGORY, {"key": "o", "tags": ["a", "b"]})
    kept = Query(where=Not(Eq(Meta("primary"), "a")))
    assert await store.definitions.detach("p1", CATEGORY, kept, {"tags": ["a"]})
    await store.definitions.update("p1", CATEGORY, doc["_id"], {"primary": "b"})
    guarded = Query(where=Not(Eq(Meta("primary"), "b")))
    assert not await store.definitions.detach("p1", CATEGORY, guarded, {"tags": ["b"]})
    assert (await store.definitions.get("p1", CATEGORY, doc["_id"]))["tags"] == ["b"]
    await store.definitions.delete("p1", CATEGORY, doc["_id"])
    with pytest.raises(NotFound):
        await store.definitions.delete("p1", CATEGORY, doc["_id"])


class _Reads:
    """A loader of one definition that counts the reads it makes."""

    def __init__(self, db, definition_id: str) -> None:
        self.db, self.definition_id, self.count = db, definition_id, 0

    async def __call__(self):
        self.count += 1
        return await definitions.get(
            self.db, project="p1", category=CATEGORY, definition_id=self.definition_id
        )


async def test_the_cache_serves_a_hit_without_a_read_until_the_ttl_passes(database):
    doc = await _create(database, name="a")
    cache, reads = DefinitionCache(), _Reads(database, doc["_id"])
    key = (CATEGORY, "p1", doc["_id"])
    first, cached = await cache.get(key, reads, ttl=0.3)
    assert (first["name"], cached, reads.count) == ("a", False, 1)
    await _cas(database, doc["_id"], 0, name="b")  # as another replica would
    again, cached = await cache.get(key, reads, ttl=0.3)
    assert (again["name"], cached, reads.count) == ("a", True, 1)  # stale within the TTL
    await asyncio.sleep(0.4)
    later, cached = await cache.get(key, reads, ttl=0.3)
    assert (later["name"], cached, reads.count) == ("b", False, 2)


async def test_forget_makes_the_next_get_read_the_change_at_once(database):
    doc = await _create(database, name="a")
    cache, reads = DefinitionCache(), _Reads(database, doc["_id"])
    key = (CATEGORY, "p1", doc["_id"])
    await cache.get(key, reads, ttl=60)
    await _cas(database, doc["_id"], 0, name="b")
    cache.forget(key)
    value, cached = await cache.get(key, reads, ttl=60)
    assert (value["name"], cached, reads.count) == ("b", False, 2)


async def test_a_zero_ttl_keeps_nothing(database):
    doc = await _create(database, name="a")
    cache, reads = DefinitionCache(), _Reads(database, doc["_id"])
    key = (CATEGORY, "p1", doc["_id"])
    for _ in range(3):
        assert (await cache.get(key, reads, ttl=0))[1] is False
    assert (reads.count, len(cache)) == (3, 0)


async def test_concurrent_misses_of_one_key_share_one_read(database):
    doc = await _create(database, name="a")
    cache, reads = DefinitionCache(), _Reads(database, doc["_id"])
    key = (CATEGORY, "p1", doc["_id"])
    results = await asyncio.gather(*(cache.get(key, reads, ttl=60) for _ in range(50)))
    assert reads.count == 1
    assert {value["name"] for value, _ in results} == {"a"}


async def test_an_unknown_definition_is_not_cached(database):
    cache, reads = DefinitionCache(), _Reads(database, "not-yet")
    key = (CATEGORY, "p1", "not-yet")
    for _ in range(2):
        with pytest.raises(NotFound):
            await cache.get(key, reads, ttl=60)
    assert (reads.count, len(cache)) == (2, 0)


async def test_the_cache_holds_at_most_maxsize_entries_dropping_the_least_recently_used(
    database,
):
    docs = [await _create(database, name=f"d{n}") for n in range(4)]
    cache = DefinitionCache(maxsize=3)
    loaders = {doc["_id"]: _Reads(database, doc["_id"]) for doc in docs}
    keys = [(CATEGORY, "p1", doc["_id"]) for doc in docs]
    for key, doc in zip(keys[:3], docs, strict=False):
        await cache.get(key, loaders[doc["_id"]], ttl=60)
    await cache.get(keys[0], loaders[docs[0]["_id"]], ttl=60)  # the first is used again
    await cache.get(keys[3], loaders[docs[3]["_id"]], ttl=60)
    assert len(cache) == 3
    assert (await cache.get(keys[0], loaders[docs[0]["_id"]], ttl=60))[1] is True
    assert (await cache.get(keys[1], loaders[docs[1]["_id"]], ttl=60))[1] is False


# Through the dialects.


class _DefinitionReads(monitoring.CommandListener):
    """Counts the `find` commands sent to the definitions collection."""

    count = 0

    def started(self, event) -> None:
        if event.command_name == "find" and event.command["find"] == DEFINITIONS:
            self.count += 1

    def succeeded(self, event) -> None:
        pass

    def failed(self, event) -> None:
        pass


async def _schema_bin(client, account):
    schema_id = await make_schema(client, account)
    cid = await make_collection(client, account)
    attach = {**account.headers, "X-Schema-Doc-Id": schema_id}
    assert (await client.put(f"/v3/c/{cid}/schemadoc/add", headers=attach)).status == 200
    bin_id = await create_bin(client, account, {"username": "ann"}, **{"X-Collection-Id": cid})
    return schema_id, bin_id


async def test_writes_to_a_schema_validated_bin_read_no_schema_doc_once_it_is_cached(
    aiohttp_client, db_uri, database
):
    reads = _DefinitionReads()
    mongo: AsyncMongoClient = AsyncMongoClient(db_uri, event_listeners=[reads], tz_aware=True)
    db = mongo[database.name]
    client = await aiohttp_client(create_app(Settings(key_cache_seconds=60), database=db))
    account = await make_account(db, "schemas")
    _, bin_id = await _schema_bin(client, account)
    before = reads.count
    assert before >= 1  # the attach read the collection: the listener sees reads
    for n in range(5):
        response = await client.put(
            f"/v3/b/{bin_id}", json={"username": f"u{n}"}, headers=account.json_headers
        )
        assert response.status == 200, await response.text()
    assert reads.count == before  # the create cached it
    await mongo.close()


async def test_a_schema_doc_edit_through_this_replica_applies_to_the_next_bin_write(
    aiohttp_client, database
):
    client = await aiohttp_client(create_app(Settings(key_cache_seconds=60), database=database))
    account = await make_account(database, "schemas")
    schema_id, bin_id = await _schema_bin(client, account)
    stricter = {**SCHEMA, "required": ["username", "age"]}
    edit = await client.put(f"/v3/s/{schema_id}", json=stricter, headers=account.json_headers)
    assert edit.status == 200, await edit.text()
    response = await client.put(
        f"/v3/b/{bin_id}", json={"username": "no-age"}, headers=account.json_headers
    )
    assert response.status == 400, await response.text()


async def test_another_replica_sees_a_schema_doc_edit_within_key_cache_seconds(
    aiohttp_client, database
):
    settings = Settings(key_cache_seconds=0.3)
    one = await aiohttp_client(create_app(settings, database=database))
    two = await aiohttp_client(create_app(settings, database=database))
    account = await make_account(database, "schemas")
    schema_id, bin_id = await _schema_bin(one, account)
    body = {"username": "no-age"}
    assert (await two.put(f"/v3/b/{bin_id}", json=body, headers=account.json_headers)).ok
    stricter = {**SCHEMA, "required": ["username", "age"]}
    assert (await one.put(f"/v3/s/{schema_id}", json=stricter, headers=account.json_headers)).ok
    await asyncio.sleep(0.4)
    late = await two.put(f"/v3/b/{bin_id}", json=body, headers=account.json_headers)
    assert late.status == 400, await late.text()


async def test_a_bin_create_on_a_replica_with_a_stale_collection_uses_the_attached_schema(
    aiohttp_client, database
):
    settings = Settings(key_cache_seconds=60)
    one = await aiohttp_client(create_app(settings, database=database))
    two = await aiohttp_client(create_app(settings, database=database))
    account = await make_account(database, "schemas")
    cid = await make_collection(one, account)
    await create_bin(two, account, {"any": 1}, **{"X-Collection-Id": cid})  # cached: no schema
    schema_id = await make_schema(one, account)
    attach = {**account.headers, "X-Schema-Doc-Id": schema_id}
    assert (await one.put(f"/v3/c/{cid}/schemadoc/add", headers=attach)).status == 200
    refused = await two.post(
        "/v3/b", json={"any": 2}, headers={**account.json_headers, "X-Collection-Id": cid}
    )
    assert refused.status == 400, await refused.text()


async def test_deleting_a_field_while_making_it_searchable_never_leaves_it_searchable(
    aiohttp_client, database
):
    client = await aiohttp_client(create_app(Settings(), database=database))
    location = await make_location(database, "race")
    await create_object(client, location)
    primary = f"{OBJECT}.ticket_name"
    for n in range(10):
        field = await create_field(client, location, {"fieldKey": f"f{n}", "dataType": "TEXT"})
        body = {"locationId": location.id, "searchableProperties": [primary, field["fieldKey"]]}
        update, delete = await asyncio.gather(
            client.put(f"/objects/{OBJECT}", json=body, headers=location.headers),
            client.delete(f"/custom-fields/{field['id']}", headers=location.headers),
        )
        assert delete.status == 200, await delete.text()
        assert update.status in (200, 422), await update.text()  # 422: judged after the delete
        stored = await database[DEFINITIONS].find_one(
            {"project": location.id, "category": "highlevel.object", "key": OBJECT}
        )
        assert stored["searchableProperties"] == [primary], n
