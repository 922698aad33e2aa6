"""Record identity on the real server: (project, ns, key) is unique through `_id` alone,
composite and integer keys work like any other, and versions go with their project."""

import pytest

from service.core.operations import Inc, Plan, Replace, Set
from service.errors import AlreadyExists, RecordNotFound
from service.store import projects
from service.store.batches import Delete, Outcome, Upsert, delete_ids, update_ids
from service.store.bulk import apply_all
from service.store.records import (
    Scope,
    apply_plan,
    create_record,
    get_record,
    get_records,
)
from service.store.versions import apply_versioned, read_version, slot_id
from tests.integration.engine.slots import stored_slots

ROWS = Scope("p1", "sas.list-1")
OTHER_RECORDS = "otherrecords"  # a second record collection, as a dialect may have


async def test_one_key_in_two_projects_or_two_namespaces_is_three_records(engine_db):
    scopes = [Scope("p1", "things"), Scope("p2", "things"), Scope("p1", "others")]
    for n, scope in enumerate(scopes):
        await create_record(engine_db, scope, "k", {"n": n})
    await apply_plan(engine_db, scopes[1], "k", Plan([Inc(("n",), 10)]))
    assert [(await get_record(engine_db, s, "k")).data for s in scopes] == [
        {"n": 0},
        {"n": 11},
        {"n": 2},
    ]


async def test_a_second_record_with_the_same_identity_is_refused_and_not_stored(engine_db, scope):
    await create_record(engine_db, scope, "k", {"first": True})
    with pytest.raises(AlreadyExists):
        await create_record(engine_db, scope, "k", {"first": False})
    assert await engine_db.records.count_documents({}) == 1
    assert (await get_record(engine_db, scope, "k")).data == {"first": True}


async def test_identity_costs_no_index_beyond_the_id_index(engine_db, scope):
    await create_record(engine_db, scope, "k", {})
    await create_record(engine_db, Scope("p1", "o", OTHER_RECORDS), "k", {})
    assert list(await engine_db.records.index_information()) == ["_id_"]
    assert list(await engine_db[OTHER_RECORDS].index_information()) == ["_id_"]


async def test_composite_keys_are_written_read_and_deleted_like_any_key(engine_db):
    await create_record(engine_db, ROWS, ("DE", 2024), {"rate": 1})
    await create_record(engine_db, ROWS, ["DE", 2025], {"rate": 2})  # a list is that tuple
    await apply_plan(engine_db, ROWS, ("DE", 2025), Plan([Set(("rate",), 3)]))
    found = await get_records(engine_db, ROWS, [("DE", 2025), ("FR", 2024), ("DE", 2024)])
    assert [(r.id, r.data) for r in found] == [
        (("DE", 2025), {"rate": 3}),
        (("DE", 2024), {"rate": 1}),
    ]
    results = await delete_ids(engine_db, ROWS, [("DE", 2024), ("FR", 2024)])
    assert [(r.id, r.outcome) for r in results] == [
        (("DE", 2024), Outcome.OK),
        (("FR", 2024), Outcome.NOT_FOUND),
    ]
    with pytest.raises(RecordNotFound):
        await get_record(engine_db, ROWS, ("DE", 2024))


async def test_an_all_or_nothing_batch_of_composite_rows_upserts_and_deletes_by_key(engine_db):
    await create_record(engine_db, ROWS, ("a", 1), {"v": 0})
    items = [
        Upsert(("a", 1), Plan([Set(("v",), 1)])),
        Upsert(("b", 2), Plan([Set(("v",), 2)])),
        Delete(("a", 1)),
    ]
    results = await apply_all(engine_db, ROWS, items)
    assert [r.outcome for r in results] == [Outcome.OK] * 3
    assert [(r.id, r.data) for r in await get_records(engine_db, ROWS, [("a", 1), ("b", 2)])] == [
        (("b", 2), {"v": 2})
    ]


async def test_integer_keys_of_one_plan_on_many_ids_are_judged_per_key(engine_db):
    objects = Scope("p1", "buzz.line_item")
    for key in (1, 2):
        await create_record(engine_db, objects, key, {"n": 0})
    await create_record(engine_db, objects, "1", {"n": 100})  # a string key is another record
    results = await update_ids(engine_db, objects, [1, 2, 3], Plan([Inc(("n",), 1)]))
    assert [(r.id, r.outcome) for r in results] == [
        (1, Outcome.OK),
        (2, Outcome.OK),
        (3, Outcome.NOT_FOUND),
    ]
    assert (await get_record(engine_db, objects, "1")).data == {"n": 100}


async def test_global_keys_are_unique_across_projects_yet_read_only_by_their_owner(engine_db):
    await create_record(engine_db, Scope("p1", "bins", global_keys=True), "b1", {"v": 1})
    with pytest.raises(AlreadyExists):
        await create_record(engine_db, Scope("p2", "bins", global_keys=True), "b1", {"v": 2})
    with pytest.raises(RecordNotFound):
        await get_record(engine_db, Scope("p2", "bins", global_keys=True), "b1")
    owned = await get_record(engine_db, Scope("p1", "bins", global_keys=True), "b1")
    assert (owned.project, owned.id, owned.data) == ("p1", "b1", {"v": 1})


async def test_versions_carry_their_project_and_no_namespace(engine_db, scope):
    await create_record(engine_db, scope, "k", {"v": 0})
    await apply_versioned(engine_db, scope, "k", Plan([Replace({"v": 1})]))
    [slot] = await stored_slots(engine_db, scope, "k")
    # No `ns`: no query over the namespace's records (they all name it) meets a version.
    assert set(slot) == {"_id", "project", "version", "data", "baseRev", "createdAt"}
    assert slot["_id"] == slot_id(scope, "k", 1)
    assert (slot["project"], slot["version"], slot["data"]) == ("p1", 1, {"v": 0})
    assert (await read_version(engine_db, scope, "k", 1)).data == {"v": 0}


async def test_deleting_a_project_deletes_its_versions_even_without_their_records(engine_db):
    mine, _ = await projects.create_project(engine_db, name="mine")
    other, _ = await projects.create_project(engine_db, name="other")
    for project in (mine, other):
        scope = Scope(project.id, "things")
        await create_record(engine_db, scope, "k", {"v": 0})
        await apply_versioned(engine_db, scope, "k", Plan([Replace({"v": 1})]))
    # An orphan whose record is gone already (an interrupted delete) goes too.
    gone = slot_id(Scope(mine.id, "things"), "gone", 1)
    await engine_db.records.insert_one({"_id": gone, "project": mine.id, "version": 1})
    await projects.delete_project(engine_db, mine.id)
    assert await engine_db.records.count_documents({"project": mine.id}) == 0
    assert len(await stored_slots(engine_db, Scope(other.id, "things"), "k")) == 1
