"""Concurrent writers on SecantusDB: nothing lost, no version gap or duplicate, limits hold."""

from __future__ import annotations

import asyncio

from service.core.operations import Add, Inc, Limit, Plan, Preconditions, Remove, Replace
from service.errors import PreconditionFailed
from service.store import locks as store_locks
from service.store.locks import RecordLocks
from service.store.records import apply_plan, apply_plan_and_read, create_record, get_record
from service.store.versions import (
    VersionedReceipt,
    apply_versioned,
    count_versions,
    delete_versions,
    read_version,
)
from tests.integration.engine.slots import stored_slots


async def test_32_concurrent_writers_adding_removing_and_counting_lose_nothing(engine_db, scope):
    seeds = [f"s{i}" for i in range(32)]
    olds = [f"o{i}" for i in range(32)]
    await create_record(engine_db, scope, "r", {"count": 0, "tags": seeds, "old": olds})

    def plan(i: int) -> Plan:
        # Even writers add and remove on one array (pipeline form), odd ones on two
        # arrays (operator form); all of them contend on `tags` and `count`.
        removal = Remove(("tags",), [f"s{i}"]) if i % 2 == 0 else Remove(("old",), [f"o{i}"])
        return Plan([Inc(("count",), 1), Add(("tags",), [f"w{i}"]), removal])

    await asyncio.gather(*(apply_plan(engine_db, scope, "r", plan(i)) for i in range(32)))
    stored = await get_record(engine_db, scope, "r")
    tags = stored.data["tags"]
    assert stored.data["count"] == 32 and stored.rev == 32
    assert len(tags) == len(set(tags))
    assert set(tags) == {f"w{i}" for i in range(32)} | {f"s{i}" for i in range(1, 32, 2)}
    assert stored.data["old"] == [f"o{i}" for i in range(0, 32, 2)]


def replace_with(writer: int) -> Plan:
    return Plan([Replace({"writer": writer})])


async def assert_exact_history(db, scope, outcomes: list[VersionedReceipt], first: object) -> None:
    """Versions 1..n, one per write; version k holds what the writer of version k-1 wrote
    (version 1: `first`), and the live content is the last writer's."""
    writer_of = {o.version: i for i, o in enumerate(outcomes)}
    n = len(outcomes)
    assert sorted(writer_of) == list(range(1, n + 1))
    assert await count_versions(db, scope, "bin") == n
    slots = [slot["version"] for slot in await stored_slots(db, scope, "bin")]
    assert [number for number in slots if number <= n] == list(range(1, n + 1))
    assert (await read_version(db, scope, "bin", 1)).data == first
    for k in range(2, n + 1):
        assert (await read_version(db, scope, "bin", k)).data == {"writer": writer_of[k - 1]}
    live = await get_record(db, scope, "bin")
    assert live.data == {"writer": writer_of[n]} and live.version == n


async def test_16_concurrent_versioned_replaces_without_locks_all_land_without_gaps(
    engine_db, scope
):
    # No lock: every writer races every other, as across replicas; retries converge.
    await create_record(engine_db, scope, "bin", {"writer": None})
    outcomes = await asyncio.gather(
        *(apply_versioned(engine_db, scope, "bin", replace_with(i)) for i in range(16))
    )
    await assert_exact_history(engine_db, scope, list(outcomes), {"writer": None})


async def test_64_concurrent_versioned_replaces_under_the_record_lock_take_turns(
    engine_db, scope, monkeypatch
):
    await create_record(engine_db, scope, "bin", {"writer": None})
    locks = RecordLocks()
    pauses: list[int] = []
    monkeypatch.setattr(store_locks, "_pause", lambda tries: pauses.append(tries) or 0.0)
    outcomes = await asyncio.gather(
        *(apply_versioned(engine_db, scope, "bin", replace_with(i), locks=locks) for i in range(64))
    )
    await assert_exact_history(engine_db, scope, list(outcomes), {"writer": None})
    assert pauses == []  # one replica's writers never made each other start again
    assert len(locks) == 0


async def test_two_replicas_locks_with_32_writers_each_converge(engine_db, scope):
    await create_record(engine_db, scope, "bin", {"writer": None})
    replicas = [RecordLocks(), RecordLocks()]
    outcomes = await asyncio.gather(
        *(
            apply_versioned(engine_db, scope, "bin", replace_with(i), locks=replicas[i % 2])
            for i in range(64)
        )
    )
    await assert_exact_history(engine_db, scope, list(outcomes), {"writer": None})


async def test_version_deletions_racing_versioned_writes_all_land_and_keep_numbering_exact(
    engine_db, scope
):
    await create_record(engine_db, scope, "bin", {"writer": None})
    locks = RecordLocks()
    writes = [apply_versioned(engine_db, scope, "bin", replace_with(i)) for i in range(24)]
    resets = [delete_versions(engine_db, scope, "bin", locks=locks) for _ in range(4)]
    await asyncio.gather(*writes, *resets)  # writers without the lock: a second replica
    live = await get_record(engine_db, scope, "bin")
    slots = [slot["version"] for slot in await stored_slots(engine_db, scope, "bin")]
    assert [n for n in slots if n <= live.version] == list(range(1, live.version + 1))
    assert live.data in [{"writer": i} for i in range(24)]


async def test_a_size_limit_holds_under_concurrent_adds(engine_db, scope):
    await create_record(engine_db, scope, "r", {"followers": []})
    limit = Preconditions(limits=(Limit(("followers",), 10),))

    async def follow(i: int) -> bool:
        try:
            await apply_plan(engine_db, scope, "r", Plan([Add(("followers",), [f"u{i}"])], limit))
        except PreconditionFailed as exc:
            assert exc.code == "limit_exceeded"
            return False
        return True

    accepted = await asyncio.gather(*(follow(i) for i in range(24)))
    stored = await get_record(engine_db, scope, "r")
    assert sum(accepted) == 10
    assert sorted(stored.data["followers"]) == sorted(
        f"u{i}" for i, ok in enumerate(accepted) if ok
    )


async def test_32_concurrent_swapped_updates_each_answer_their_own_write_and_lose_nothing(
    engine_db, scope
):
    """Add and remove on one array, read back: computed from the record as read and written
    under its revision, or (when another writer got in between) the pipeline."""
    olds = [f"o{i}" for i in range(32)]
    await create_record(engine_db, scope, "r", {"tags": olds, "capped": []})
    limit = Preconditions(limits=(Limit(("capped",), 20),))

    async def write(i: int) -> tuple[list, bool]:
        plan = Plan(
            [
                Add(("tags",), [f"w{i}"]),
                Remove(("tags",), [f"o{i}"]),
                Add(("capped",), [f"c{i}"]),
                Remove(("capped",), ["never"]),
            ],
            limit,
        )
        try:
            stored = await apply_plan_and_read(engine_db, scope, "r", plan)
        except PreconditionFailed as exc:
            assert exc.code == "limit_exceeded"
            return [], False
        assert f"w{i}" in stored.data["tags"] and f"o{i}" not in stored.data["tags"]
        assert f"c{i}" in stored.data["capped"]
        return stored.data["tags"], True

    outcomes = await asyncio.gather(*(write(i) for i in range(32)))
    accepted = [i for i, (_, ok) in enumerate(outcomes) if ok]
    stored = await get_record(engine_db, scope, "r")
    assert len(accepted) == 20 and stored.rev == 20
    assert sorted(stored.data["capped"]) == sorted(f"c{i}" for i in accepted)
    tags = stored.data["tags"]
    assert sorted(tags) == sorted(
        [f"w{i}" for i in accepted] + [f"o{i}" for i in range(32) if i not in accepted]
    )
