"""Catalogued namespaces and records bound to a definition, on the real server: the
catalog stays in step with the records, a bound create checks the definition's fields in
its transaction, and a rebind changes the definition and every copy at once."""

import asyncio
import dataclasses

import pytest

from service.core.operations import Plan, Replace
from service.core.queries import CREATED, EVERYTHING, KEY, Eq, Meta, Order, Query, Range
from service.errors import DefinitionChanged, RecordNotFound, RevisionMismatch
from service.store import catalog, records
from service.store.api import Store
from service.store.catalog import Binding
from service.store.records import Hidden, Scope, stored_id

LISTED = Scope("p1", "listed", catalogued=True, listed=("group", "name"))
CATEGORY = "test.group"


@pytest.fixture
async def store(engine_db):
    return Store(engine_db, key_cache_seconds=0)


async def listing(store, group=None):
    query = Query(where=Eq(Meta("group"), group), order=(Order(KEY),))
    return [(e["key"], e["name"]) for e in await store.records.listing(LISTED, query)]


async def test_the_catalog_follows_create_metadata_changes_and_delete(store):
    for key in ("k1", "k2", "k3"):
        await store.records.create(LISTED, key, {"n": key}, {"group": None, "name": key})
    await store.records.set_meta(LISTED, "k2", {"name": "renamed"})
    assert await store.records.delete_with_versions(LISTED, "k3") == 0
    assert await listing(store) == [("k1", "k1"), ("k2", "renamed")]
    assert (await store.records.get(LISTED, "k2")).meta["name"] == "renamed"
    with pytest.raises(RecordNotFound):
        await store.records.get(LISTED, "k3")


async def test_a_listing_pages_by_key_descending_after_a_cursor(store):
    for key in ("k1", "k2", "k3", "k4"):
        await store.records.create(LISTED, key, {}, {"group": "g", "name": None})
    query = Query(where=Eq(Meta("group"), "g"), order=(Order(KEY, True),), after=("k3",), limit=1)
    assert [e["key"] for e in await store.records.listing(LISTED, query)] == ["k2"]


async def test_concurrent_renames_and_deletes_leave_catalog_and_records_agreeing(store):
    for n in range(6):
        await store.records.create(LISTED, f"k{n}", {}, {"group": None, "name": None})
    renames = [store.records.set_meta(LISTED, f"k{n % 6}", {"name": f"v{n}"}) for n in range(18)]
    deletes = [store.records.delete_with_versions(LISTED, f"k{n}") for n in range(3)]
    await asyncio.gather(*renames, *deletes, return_exceptions=True)
    listed = dict(await listing(store))
    kept = await store.records.select(LISTED, Query())
    assert listed == {r.id: r.meta["name"] for r in kept}
    assert sorted(listed) == ["k3", "k4", "k5"]


async def test_listed_records_come_in_the_catalogs_order_and_deletes_leave_it(store):
    for key in ("k3", "k1", "k2"):  # created in this order
        await store.records.create(LISTED, key, {"n": key}, {"group": "g", "name": None})
    oldest = Query(where=Eq(Meta("group"), "g"), order=(Order(CREATED), Order(KEY)))
    assert [r.data["n"] for r in await store.records.listed(LISTED, oldest)] == ["k3", "k1", "k2"]
    with pytest.raises(RevisionMismatch):
        await store.records.delete(LISTED, "k1", expected_rev=5)
    await store.records.delete(LISTED, "k1", expected_rev=0)
    assert [r.id for r in await store.records.listed(LISTED, oldest)] == ["k3", "k2"]
    created = (await store.records.get(LISTED, "k2")).created_at
    assert await store.records.delete_where(LISTED, Query(Range(CREATED, lt=created))) == 1
    assert [e["key"] for e in await store.records.listing(LISTED, Query())] == ["k2"]
    assert await store.records.delete_where(LISTED, EVERYTHING) == 1
    assert await store.records.listing(LISTED, Query()) == []


async def test_a_listing_skips_an_entry_whose_record_is_gone(store, engine_db):
    for key in ("k1", "k2"):
        await store.records.create(LISTED, key, {}, {"group": None, "name": None})
    # What a delete_where interrupted between the records and their entries leaves.
    await engine_db["records"].delete_one({"_id": stored_id(LISTED, "k1")})
    assert [r.id for r in await store.records.listed(LISTED, Query(order=(Order(KEY),)))] == ["k2"]


async def test_a_bound_create_refuses_a_definition_that_changed(store):
    group = await store.definitions.create("p1", CATEGORY, {"schema": "s1"})
    bound = Binding(CATEGORY, group["_id"], "group", {"schema": "s1"})
    created = await store.records.create(LISTED, "k1", {}, {"name": None}, binding=bound)
    assert created.meta == {"name": None, "group": group["_id"], "schema": "s1"}
    await store.records.rebind(LISTED, Binding(CATEGORY, group["_id"], "group", {"schema": "s2"}))
    with pytest.raises(DefinitionChanged):
        await store.records.create(LISTED, "k2", {}, {"name": None}, binding=bound)
    assert (await store.records.get(LISTED, "k1")).meta["schema"] == "s2"
    assert await listing(store, group["_id"]) == [("k1", None)]


async def test_a_rebind_that_unsets_clears_every_copy(store):
    group = await store.definitions.create("p1", CATEGORY, {"schema": "s1"})
    bound = Binding(CATEGORY, group["_id"], "group", {"schema": "s1"})
    for key in ("k1", "k2"):
        await store.records.create(LISTED, key, {}, {"name": None}, binding=bound)
    await store.records.rebind(
        LISTED, Binding(CATEGORY, group["_id"], "group", {}), unset=("schema",)
    )
    assert "schema" not in await store.definitions.get("p1", CATEGORY, group["_id"])
    for key in ("k1", "k2"):
        record = await store.records.get(LISTED, key)
        assert record.meta["schema"] is None and record.rev == 1


async def test_creates_racing_a_rebind_each_see_one_definition(store):
    group = await store.definitions.create("p1", CATEGORY, {"schema": "s1"})
    bound = Binding(CATEGORY, group["_id"], "group", {"schema": "s1"})
    creates = [
        store.records.create(LISTED, f"k{n}", {}, {"name": None}, binding=bound) for n in range(8)
    ]
    rebind = store.records.rebind(
        LISTED, Binding(CATEGORY, group["_id"], "group", {"schema": "s2"})
    )
    results = await asyncio.gather(*creates, rebind, return_exceptions=True)
    refused = [r for r in results[:-1] if isinstance(r, DefinitionChanged)]
    assert results[-1] is None
    kept = await store.records.select(LISTED, Query())
    # Whatever the interleaving: no record holds the old copy after the rebind committed.
    assert all(r.meta["schema"] == "s2" for r in kept)
    assert len(kept) + len(refused) == 8


async def test_two_replicas_cataloguing_at_once_add_each_missing_entry_once(store, engine_db):
    plain = Scope("p1", "old:things")  # records written before their namespace had a catalog
    for key in ("k1", "k2", "k3"):
        await store.records.create(plain, key, {"n": key})
    await store.records.create(Scope("p1", "other"), "k9", {})
    added = await asyncio.gather(*(catalog.catalogue(engine_db, "records", "old:") for _ in "ab"))
    assert sum(added) == 3
    entries = [doc async for doc in engine_db["catalog"].find({}, {"_id": 1, "createdAt": 1})]
    assert sorted(e["_id"] for e in entries) == sorted(
        stored_id(plain, k) for k in ("k1", "k2", "k3")
    )
    assert all(e["createdAt"] is not None for e in entries)
    listed = await store.records.listed(dataclasses.replace(plain, catalogued=True), Query())
    assert sorted(r.id for r in listed) == ["k1", "k2", "k3"]


async def test_cataloguing_drops_entries_whose_record_is_gone(store, engine_db, monkeypatch):
    """An entry an earlier release's delete left behind goes, and so does one added for a
    record deleted between the scan and the insert (its delete found no entry)."""
    plain = Scope("p1", "old:things")
    for key in ("k1", "k2", "k3"):
        await store.records.create(plain, key, {"n": key})
    await engine_db["catalog"].insert_one({"_id": stored_id(plain, "k0"), "ns": plain.ns})
    insert = catalog._insert_new

    async def deleted_meanwhile(db, entries):
        await engine_db["records"].delete_one({"_id": stored_id(plain, "k2")})
        return await insert(db, entries)

    monkeypatch.setattr(catalog, "_insert_new", deleted_meanwhile)
    assert await catalog.catalogue(engine_db, "records", "old:") == 3
    entries = [doc["_id"] async for doc in engine_db["catalog"].find({}, {"_id": 1})]
    assert sorted(entries) == sorted(stored_id(plain, k) for k in ("k1", "k3"))


OLD_ORDER = (Order(CREATED, descending=True), Order(KEY, descending=True))
OLD_KEYS = [("project", 1), ("ns", 1), ("createdAt", -1), ("_id", -1)]


async def test_replicas_adopting_the_catalog_at_once_both_start(store, engine_db):
    """Both see the earlier index and drop it; the second drop finds it gone. Another
    index stays."""
    await store.records.create(Scope("p1", "old:things"), "k1", {})
    await engine_db["records"].create_index(OLD_KEYS)
    await engine_db["records"].create_index([("project", 1), ("other", 1)])
    await asyncio.gather(*(store.records.adopt_catalog("records", OLD_ORDER, "old:") for _ in "ab"))
    names = sorted(await engine_db["records"].index_information())
    assert names == ["_id_", "project_1_other_1"]
    assert await engine_db["catalog"].count_documents({"ns": "old:things"}) == 1
    assert await engine_db["migrations"].count_documents({}) == 1


async def test_where_unchanged_index_entries_cost_nothing_the_index_stays(
    store, engine_db, monkeypatch
):
    """On MongoDB (told apart by its build info) searches with a condition keep the index
    of the records: a write rewrites only the entries it changes there."""
    from service.store import client, selections

    assert await client.rewrites_every_index(engine_db)  # the tests' SecantusDB

    async def mongodb(db):
        return False

    monkeypatch.setattr(selections, "rewrites_every_index", mongodb)
    await store.records.adopt_catalog("records", OLD_ORDER, "old:")
    specs = [spec["key"] for spec in (await engine_db["records"].index_information()).values()]
    assert [tuple(pair) for pair in specs[-1]] == [tuple(pair) for pair in OLD_KEYS]


GLOBAL = Scope("p1", "held", global_keys=True, catalogued=True, listed=("group", "name"))
HELD = dataclasses.replace(GLOBAL, held=True)


async def test_a_held_record_is_found_by_its_holder_and_hidden_from_others(store):
    group = await store.definitions.create("p1", CATEGORY, {})
    bound = Binding(CATEGORY, group["_id"], "group")
    await store.records.create(HELD, "k1", {"n": 1}, {"name": "one"}, binding=bound)
    mine = await store.records.locate(GLOBAL, "k1", viewer="p1")
    assert mine.held and mine.data == {"n": 1} and mine.meta["name"] == "one"
    hidden = await store.records.locate(GLOBAL, "k1", viewer="p2")
    assert hidden == Hidden("k1", "p1")
    assert await store.records.locate(GLOBAL, "k1", viewer=None) == hidden
    assert await store.records.try_apply(HELD, "k1", Plan((Replace({"n": 2}),)))
    other = dataclasses.replace(HELD, project="p2")
    assert not await store.records.try_apply(other, "k1", Plan((Replace({"n": 3}),)))
    assert not await store.records.try_apply(GLOBAL, "k1", Plan((Replace({"n": 3}),)))
    # A rebind that sets a copy releases the held records bound to the definition.
    await store.records.rebind(GLOBAL, Binding(CATEGORY, group["_id"], "group", {"s": "x"}))
    released = await store.records.locate(GLOBAL, "k1", viewer="p2")
    assert not released.held and released.data == {"n": 2} and released.meta["s"] == "x"
    assert await store.records.hold(GLOBAL, "k1", {"s": "x"})
    assert (await store.records.locate(GLOBAL, "k1", viewer="p1")).held
    await store.records.release(HELD, "k1", {"name": "renamed"})
    assert await listing_of(store, GLOBAL) == [("k1", "renamed")]
    assert await store.records.delete_with_versions(GLOBAL, "k1") == 0
    assert await store.records.locate(GLOBAL, "k1", viewer="p1") is None


async def listing_of(store, scope):
    query = Query(order=(Order(KEY),))
    return [(e["key"], e["name"]) for e in await store.records.listing(scope, query)]


@pytest.mark.parametrize("hint", [records.UNKNOWN, None, "p1", "p2"])
async def test_locate_finds_a_record_in_either_form_whatever_its_hint(store, engine_db, hint):
    await store.records.create(HELD, "k1", {"n": 1}, {"name": "one"})
    await store.records.create(GLOBAL, "k2", {"n": 2}, {"name": "two"})
    for viewer in ("p1", "p2", None):
        held = await records.locate(engine_db, GLOBAL, "k1", viewer=viewer, hint=hint)
        if viewer == "p1":
            assert held.held and held.data == {"n": 1}
        else:
            assert held == Hidden("k1", "p1")
        plain = await records.locate(engine_db, GLOBAL, "k2", viewer=viewer, hint=hint)
        assert not plain.held and plain.data == {"n": 2}
        assert await records.locate(engine_db, GLOBAL, "k3", viewer=viewer, hint=hint) is None
