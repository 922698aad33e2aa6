"""Versioned writes on SecantusDB: numbering from 1, reads, counts, deletes, stale claims."""

from __future__ import annotations

import asyncio

import pytest

from service.core.operations import (
    Add,
    Limit,
    Plan,
    Preconditions,
    Replace,
    ReplaceSameKind,
    Set,
)
from service.errors import Contended, LimitExceeded, NotFound, PreconditionFailed
from service.store.api import Store
from service.store.locks import RecordLocks
from service.store.records import (
    Scope,
    apply_plan,
    create_record,
    get_record,
    now,
    selector,
    stored_id,
)
from service.store.versions import (
    OLD_VERSIONS,
    apply_versioned,
    apply_versioned_once,
    count_versions,
    delete_versions,
    delete_versions_to_first,
    migrate_versions,
    read_version,
    slot_id,
)
from tests.integration.engine.slots import stored_slots


def replace(content: object) -> Plan:
    return Plan([Replace(content)])


async def versioned_bin(db, scope, *contents):  # type: ignore[no-untyped-def]
    await create_record(db, scope, "bin", {"v": 0})
    for content in contents:
        await apply_versioned(db, scope, "bin", replace(content))


async def test_first_versioned_write_archives_the_original_as_version_one(engine_db, scope):
    await create_record(engine_db, scope, "bin", {"v": 0})
    first = await apply_versioned(engine_db, scope, "bin", replace({"v": 1}))
    second = await apply_versioned(engine_db, scope, "bin", replace({"v": 2}))
    assert (first.version, second.version) == (1, 2)
    assert (await read_version(engine_db, scope, "bin", 1)).data == {"v": 0}
    assert (await read_version(engine_db, scope, "bin", 2)).data == {"v": 1}
    live = await get_record(engine_db, scope, "bin")
    assert (live.data, live.version, live.rev, second.rev) == ({"v": 2}, 2, 2, 2)
    assert await count_versions(engine_db, scope, "bin") == 2


async def test_unversioned_writes_between_versioned_ones_are_not_archived(engine_db, scope):
    await versioned_bin(engine_db, scope, {"v": 1})
    await apply_plan(engine_db, scope, "bin", replace({"v": "quiet"}))
    receipt = await apply_versioned(engine_db, scope, "bin", replace({"v": 3}))
    assert receipt.version == 2
    assert (await read_version(engine_db, scope, "bin", 2)).data == {"v": "quiet"}


async def test_versions_keep_odd_keys(engine_db, scope):
    await create_record(engine_db, scope, "bin", {"a.b": {"$c": 1}})
    await apply_versioned(engine_db, scope, "bin", replace([]))
    assert (await read_version(engine_db, scope, "bin", 1)).data == {"a.b": {"$c": 1}}


@pytest.mark.parametrize("number", [0, 2, 3])
async def test_versions_outside_one_to_count_are_not_found(engine_db, scope, number):
    await versioned_bin(engine_db, scope, {"v": 1})
    with pytest.raises(NotFound) as caught:
        await read_version(engine_db, scope, "bin", number)
    assert caught.value.code == "version_not_found"


async def test_an_orphan_slot_above_the_count_is_invisible_and_gets_replaced(engine_db, scope):
    await versioned_bin(engine_db, scope, {"v": 1})
    orphan = {"_id": slot_id(scope, "bin", 2), "project": "p1", "version": 2, "data": "ghost"}
    orphan |= {"baseRev": 0, "createdAt": now()}
    await engine_db.records.insert_one(orphan)
    with pytest.raises(NotFound):
        await read_version(engine_db, scope, "bin", 2)
    await apply_versioned(engine_db, scope, "bin", replace({"v": 2}))
    assert (await read_version(engine_db, scope, "bin", 2)).data == {"v": 1}


async def test_a_writer_with_a_stale_view_cannot_overwrite_a_committed_slot(engine_db, scope):
    await create_record(engine_db, scope, "bin", {"v": 0})
    stale = await engine_db.records.find_one(selector(scope, "bin"))  # rev 0, version 0
    await apply_plan(engine_db, scope, "bin", replace({"v": "newer"}))  # rev 1
    await apply_versioned(engine_db, scope, "bin", replace({"v": 2}))  # slot 1 from rev 1
    with pytest.raises(Contended):  # its claim of slot 1 fails on the `_id` index
        await apply_versioned_once(engine_db, scope, "bin", replace({"v": 3}), live=stale)
    assert (await read_version(engine_db, scope, "bin", 1)).data == {"v": "newer"}


async def test_a_global_key_swap_pins_the_record_read_and_no_other_project(engine_db):
    owner, other = Scope("p1", "bins", global_keys=True), Scope("p2", "bins", global_keys=True)
    await create_record(engine_db, owner, "b1", {"v": 0})
    live = await engine_db.records.find_one(selector(owner, "b1"))
    with pytest.raises(NotFound):  # read in p1, written in p2's name: refused, nothing claimed
        await apply_versioned_once(engine_db, other, "b1", replace({"v": "p2"}), live=live)
    assert await count_versions(engine_db, owner, "b1") == 0
    receipt = await apply_versioned_once(engine_db, owner, "b1", replace({"v": 1}), live=live)
    assert receipt.version == 1
    assert (await get_record(engine_db, owner, "b1")).data == {"v": 1}
    with pytest.raises(NotFound):  # without a read given, p2's own read finds nothing
        await apply_versioned_once(engine_db, other, "b1", replace({"v": "p2"}))
    assert (await get_record(engine_db, owner, "b1")).data == {"v": 1}


async def test_versioned_write_with_failing_precondition_adds_no_version(engine_db, scope):
    await versioned_bin(engine_db, scope, {"v": 1})
    with pytest.raises(PreconditionFailed):
        await apply_versioned(engine_db, scope, "bin", Plan([ReplaceSameKind([1])]))
    stale = Plan([Set(("v",), 9)], Preconditions(rev=0))
    with pytest.raises(PreconditionFailed):
        await apply_versioned(engine_db, scope, "bin", stale)
    assert await count_versions(engine_db, scope, "bin") == 1
    assert (await get_record(engine_db, scope, "bin")).data == {"v": 1}


async def test_versioned_write_to_a_missing_record_is_not_found(engine_db, scope):
    with pytest.raises(NotFound):
        await apply_versioned(engine_db, scope, "ghost", replace(1))


async def test_deleting_versions_keeps_the_latest_content_and_restarts_numbering(engine_db, scope):
    await versioned_bin(engine_db, scope, {"v": 1}, {"v": 2})
    assert await delete_versions(engine_db, scope, "bin") == 2
    assert await delete_versions(engine_db, scope, "bin") == 0
    assert (await get_record(engine_db, scope, "bin")).data == {"v": 2}
    receipt = await apply_versioned(engine_db, scope, "bin", replace({"v": 3}))
    assert receipt.version == 1
    assert (await read_version(engine_db, scope, "bin", 1)).data == {"v": 2}
    assert [slot["version"] for slot in await stored_slots(engine_db, scope, "bin")] == [1]


async def test_deleting_versions_to_first_restores_the_original_content(engine_db, scope):
    await create_record(engine_db, scope, "bin", {"a.b": 1})
    for content in ("later", "latest"):
        await apply_versioned(engine_db, scope, "bin", replace(content))
    assert await delete_versions_to_first(engine_db, scope, "bin") == 2
    restored = await get_record(engine_db, scope, "bin")
    assert (restored.data, restored.version) == ({"a.b": 1}, 0)
    assert await stored_slots(engine_db, scope, "bin") == []


async def test_deleting_a_record_with_versions_reports_and_removes_them(engine_db, scope):
    await versioned_bin(engine_db, scope, {"v": 1}, {"v": 2}, {"v": 3})
    store = Store(engine_db, key_cache_seconds=0)
    assert await store.records.delete_with_versions(scope, "bin") == 3
    assert await stored_slots(engine_db, scope, "bin") == []
    with pytest.raises(NotFound):
        await get_record(engine_db, scope, "bin")


async def test_deleting_a_record_amid_locked_versioned_writers_leaves_no_version_behind(
    engine_db, scope
):
    await create_record(engine_db, scope, "bin", {"v": 0})
    store = Store(engine_db, key_cache_seconds=0)
    locks = store.locks
    writes = [apply_versioned(engine_db, scope, "bin", replace(i), locks=locks) for i in range(8)]
    deletion = store.records.delete_with_versions(scope, "bin")
    later = [apply_versioned(engine_db, scope, "bin", replace(i), locks=locks) for i in range(4)]
    outcomes = await asyncio.gather(*writes, deletion, *later, return_exceptions=True)
    # The lock is first come, first served: 8 writes land, the delete reports them, and
    # the writers queued behind it find nothing to write.
    assert [o.version for o in outcomes[:8]] == list(range(1, 9))  # type: ignore[union-attr]
    assert outcomes[8] == 8
    assert all(isinstance(o, NotFound) for o in outcomes[9:])
    assert await stored_slots(engine_db, scope, "bin") == []


async def test_resets_queued_behind_a_writer_wait_for_it_instead_of_failing(engine_db, scope):
    await versioned_bin(engine_db, scope, {"v": 1}, {"v": 2})
    locks = RecordLocks()
    outcomes = await asyncio.gather(
        apply_versioned(engine_db, scope, "bin", replace({"v": 3}), locks=locks),
        delete_versions_to_first(engine_db, scope, "bin", locks=locks),
        delete_versions(engine_db, scope, "bin", locks=locks),
    )
    assert outcomes[0].version == 3 and outcomes[1:] == [3, 0]  # type: ignore[union-attr]
    assert (await get_record(engine_db, scope, "bin")).data == {"v": 0}


async def test_versions_of_the_old_layout_move_beside_their_records(engine_db):
    bins = Scope("p1", "bins", global_keys=True)
    await create_record(engine_db, bins, "b1", {"v": 2})
    live = {"_id": stored_id(bins, "b1")}
    await engine_db.records.update_one(live, {"$set": {"version": 1}})  # as written before
    old = {"project": "p1", "record": stored_id(bins, "b1"), "version": 1, "data": {"v": 1}}
    await engine_db[OLD_VERSIONS].insert_one(old | {"baseRev": 0, "createdAt": now()})
    assert await migrate_versions(engine_db) == 1
    assert (await read_version(engine_db, bins, "b1", 1)).data == {"v": 1}
    assert OLD_VERSIONS not in await engine_db.list_collection_names()
    assert await migrate_versions(engine_db) == 0


async def test_a_declined_limit_adds_no_version_even_over_a_stale_slot(engine_db, scope):
    await create_record(engine_db, scope, "bin", {"tags": []})

    def add(*tags: str) -> Plan:
        return Plan([Add(("tags",), list(tags))], Preconditions(limits=(Limit(("tags",), 2),)))

    # The first refusal claims slot 1 on its way (an orphan); the second claims it again,
    # so the command's counts hold the claim's match too.
    for _ in range(2):
        with pytest.raises(LimitExceeded):
            await apply_versioned(engine_db, scope, "bin", add("a", "b", "c"))
        assert await count_versions(engine_db, scope, "bin") == 0
    receipt = await apply_versioned(engine_db, scope, "bin", add("a"))
    assert receipt.version == 1
    assert (await read_version(engine_db, scope, "bin", 1)).data == {"tags": []}
    assert (await get_record(engine_db, scope, "bin")).data == {"tags": ["a"]}
