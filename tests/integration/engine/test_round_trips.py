"""Round trips per engine call, counted with a command listener (the bench reports timings)."""

from __future__ import annotations

import asyncio

import pytest

from service.core.operations import Add, Inc, Limit, Merge, Plan, Preconditions, Remove, Replace
from service.errors import Contended
from service.store.batches import update_ids
from service.store.lastwrites import LastWrites
from service.store.records import (
    apply_plan,
    apply_plan_and_read,
    create_record,
    delete_record,
    get_record,
    now,
    stored_id,
)
from service.store.versions import apply_versioned, apply_versioned_once, read_version, slot_id


async def test_an_update_is_one_round_trip_and_with_read_back_two(counted, scope):
    db, commands = counted
    await create_record(db, scope, "r", {"f": [1], "n": 0})
    commands.names.clear()
    await apply_plan(db, scope, "r", Plan([Add(("f",), [2]), Remove(("f",), [1])]))
    assert commands.names == ["update"]
    commands.names.clear()
    await apply_plan_and_read(db, scope, "r", Plan([Inc(("n",), 1)]))
    assert commands.names == ["update", "find"]


async def test_add_and_remove_on_one_array_read_back_is_a_read_then_a_guarded_write(counted, scope):
    db, commands = counted
    await create_record(db, scope, "r", {"f": [1, 2]})
    commands.names.clear()
    plan = Plan([Add(("f",), [3]), Remove(("f",), [1])])
    stored = await apply_plan_and_read(db, scope, "r", plan)
    assert commands.names == ["find", "update"]
    assert stored.data == {"f": [2, 3]} and stored.rev == 1
    assert (await get_record(db, scope, "r")) == stored


async def test_a_swap_starts_from_what_this_replica_left_once_a_read_shows_the_record_quiet(
    counted, scope
):
    db, commands = counted
    await create_record(db, scope, "r", {"f": [0]})
    one, other = LastWrites(), LastWrites()  # two replicas' memories
    expected = [0]

    async def swap(last: LastWrites, n: int) -> list[str]:
        expected[:] = [v for v in expected if v != n - 1] + ([] if n in expected else [n])
        commands.names.clear()
        plan = Plan([Add(("f",), [n]), Remove(("f",), [n - 1])])
        stored = await apply_plan_and_read(db, scope, "r", plan, last)
        assert stored == await get_record(db, scope, "r")  # the answer is the record
        assert stored.data["f"] == expected
        return commands.names[:-1]  # without the check's own read

    assert await swap(one, 1) == ["find", "update"]  # first sight: read
    assert await swap(one, 2) == ["find", "update"]  # the read finds it as left: trusted
    assert await swap(one, 3) == ["update"]
    assert await swap(one, 4) == ["update"]
    assert await swap(other, 5) == ["find", "update"]  # another replica writes
    assert await swap(one, 6) == ["update", "find", "update"]  # the guess misses once
    assert await swap(one, 7) == ["find", "update"]  # and reads until the record is quiet
    assert await swap(one, 8) == ["update"]
    # Made again under the same key and written up to the same revision: not the record
    # remembered, whose creation time the guard names.
    await delete_record(db, scope, "r")
    await asyncio.sleep(0.002)  # creation times are milliseconds
    await create_record(db, scope, "r", {"f": [7]})
    expected[:] = [7]
    for _ in range(8):
        await apply_plan(db, scope, "r", Plan([Inc(("n",), 1)]))
    assert (await get_record(db, scope, "r")).rev == 8
    assert await swap(one, 8) == ["update", "find", "update"]
    assert (await get_record(db, scope, "r")).data == {"f": [8], "n": 8}


async def test_an_operator_write_read_back_starts_from_the_record_once_it_reads_one_revision_on(
    counted, scope
):
    """An add alone is an operator write and a read; once the read shows the record one
    revision on from what this replica remembered, the add is computed on it and written
    alone. An increment still reads back (its integer widths are the database's)."""
    db, commands = counted
    await create_record(db, scope, "r", {"f": [0], "n": 0})
    last = LastWrites()
    for n, expected in ((1, ["update", "find"]), (2, ["update", "find"]), (3, ["update"])):
        commands.names.clear()
        stored = await apply_plan_and_read(db, scope, "r", Plan([Add(("f",), [n, 0])]), last)
        assert commands.names == expected
        assert stored.data["f"] == list(range(n + 1)) and stored == await get_record(db, scope, "r")
    commands.names.clear()
    await apply_plan_and_read(db, scope, "r", Plan([Inc(("n",), 1)]), last)
    assert commands.names == ["update", "find"]


async def test_a_remembered_document_that_would_refuse_the_plan_is_checked_by_a_read(
    counted, scope
):
    db, commands = counted
    await create_record(db, scope, "r", {"f": [1]})
    last = LastWrites()
    plan = Plan([Add(("f",), [2]), Remove(("f",), [1])], Preconditions(limits=[Limit(("f",), 1)]))
    for _ in range(2):
        await apply_plan_and_read(db, scope, "r", plan, last)  # [2], then trusted
    await apply_plan(db, scope, "r", Plan([Replace({"f": []})]))  # unseen by `last`
    commands.names.clear()
    grow = Plan([Add(("f",), [3]), Remove(("f",), [9])], Preconditions(limits=[Limit(("f",), 1)]))
    stored = await apply_plan_and_read(db, scope, "r", grow, last)  # [2, 3] would be over
    assert commands.names == ["find", "update"] and stored.data == {"f": [3]}


async def test_a_nested_merge_is_one_dotted_update_unless_the_record_disagrees(counted, scope):
    db, commands = counted
    await create_record(db, scope, "r", {"o": {"p": 1}, "s": 5, "arr": [0, 1]})
    commands.names.clear()
    await apply_plan(db, scope, "r", Plan([Merge({"o": {"q": 2}})]))
    assert commands.names == ["update"]
    # A scalar and an array where the patch holds objects: the dotted $set misses its
    # guards (inside the array it would set an element), and the pipeline replaces them.
    commands.names.clear()
    await apply_plan(db, scope, "r", Plan([Merge({"s": {"t": 1}, "arr": {"0": "x"}})]))
    assert commands.names == ["update", "update"]
    stored = await get_record(db, scope, "r")
    assert stored.data == {"o": {"p": 1, "q": 2}, "s": {"t": 1}, "arr": {"0": "x"}}
    assert stored.rev == 2


async def test_a_versioned_update_is_two_round_trips(counted, scope):
    db, commands = counted
    await create_record(db, scope, "bin", {"v": 0})
    for v in range(1, 4):
        commands.names.clear()
        await apply_versioned(db, scope, "bin", Plan([Replace({"v": v})]))
        assert commands.names == ["find", "update"]  # the claim and the swap: one command


async def test_a_versioned_update_from_the_record_it_left_is_one_command(counted, scope):
    """Given the document its last write left (service.store.lastwrites), a versioned write
    is the claim and swap alone; the document it says it leaves is the record as stored,
    escaped keys included, and a stale one misses without a version of its own."""
    db, commands = counted
    await create_record(db, scope, "bin", {"v": 0})
    live = await db.records.find_one({"_id": stored_id(scope, "bin")})
    for body in ({"v": 1}, {"a.b": 2, "$c": [3]}, {"v": 3}):
        commands.names.clear()
        receipt = await apply_versioned_once(
            db, scope, "bin", Plan([Replace(body)]), live=live, remembered=True
        )
        assert commands.names == ["update"]
        live = receipt.document
        assert live == await db.records.find_one({"_id": stored_id(scope, "bin")})
    await apply_versioned(db, scope, "bin", Plan([Replace({"v": 4})]))  # unseen by `live`
    with pytest.raises(Contended):
        await apply_versioned_once(
            db, scope, "bin", Plan([Replace({"v": 5})]), live=live, remembered=True
        )
    assert (await get_record(db, scope, "bin")).data == {"v": 4}
    assert (await read_version(db, scope, "bin", 4)).data == {"v": 3}


async def test_a_versioned_update_over_an_orphan_slot_claims_it_in_one_more_command(counted, scope):
    """The first command's claim takes only an absent slot; an orphan (a write that
    stopped after its claim) is taken by the protocol's own upsert in a second one."""
    db, commands = counted
    await create_record(db, scope, "bin", {"v": 0})
    orphan = {"_id": slot_id(scope, "bin", 1), "project": scope.project, "version": 1}
    await db.records.insert_one(orphan | {"data": "ghost", "baseRev": 0, "createdAt": now()})
    commands.names.clear()
    await apply_versioned(db, scope, "bin", Plan([Replace({"v": 1})]))
    assert commands.names == ["find", "update", "update"]
    assert (await db.records.find_one({"_id": orphan["_id"]}))["data"] == {"v": 0}


async def test_one_plan_on_100_ids_is_one_round_trip_when_all_apply(counted, scope):
    db, commands = counted
    await db.records.insert_many(
        [
            {
                "_id": stored_id(scope, i),
                "project": scope.project,
                "ns": scope.ns,
                "data": {},
                "rev": 0,
            }
            for i in range(100)
        ]
    )
    commands.names.clear()
    await update_ids(db, scope, list(range(100)), Plan([Inc(("n",), 1)]))
    assert commands.names == ["update"]
    commands.names.clear()
    await update_ids(db, scope, [*range(100), "missing"], Plan([Inc(("n",), 1)]))
    assert commands.names == ["update", "find"]
