"""Concurrent writers on SecantusDB: nothing lost, no version gap or duplicate, limits hold."""

from __future__ import annotations

import asyncio

from service.core.operations import Add, Inc, Limit, Plan, Preconditions, Remove, Replace
from service.errors import Conflict, PreconditionFailed
from service.store.records import apply_plan, create_record, get_record
from service.store.versions import (
    VersionedReceipt,
    apply_versioned,
    count_versions,
    read_version,
)


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


async def test_16_concurrent_versioned_replaces_leave_versions_one_to_n_without_gaps(
    engine_db, scope
):
    await create_record(engine_db, scope, "bin", {"writer": None})
    outcomes = await asyncio.gather(
        *(
            apply_versioned(engine_db, scope, "bin", Plan([Replace({"writer": i})]))
            for i in range(16)
        ),
        return_exceptions=True,
    )
    # A writer may give up after its bounded retries (Conflict); the history must stay
    # exact whatever the number of winners.
    assert all(isinstance(o, VersionedReceipt | Conflict) for o in outcomes), outcomes
    writer_of = {o.version: i for i, o in enumerate(outcomes) if isinstance(o, VersionedReceipt)}
    n = len(writer_of)
    assert n >= 8 and sorted(writer_of) == list(range(1, n + 1))
    assert await count_versions(engine_db, scope, "bin") == n
    assert await engine_db.versions.count_documents({"bin": "bin", "version": {"$lte": n}}) == n
    # Version k holds what the writer that made version k-1 wrote (version 1: the original).
    assert (await read_version(engine_db, scope, "bin", 1)).data == {"writer": None}
    for k in range(2, n + 1):
        assert (await read_version(engine_db, scope, "bin", k)).data == {"writer": writer_of[k - 1]}
    live = await get_record(engine_db, scope, "bin")
    assert live.data == {"writer": writer_of[n]} and live.version == n


async def test_a_size_limit_holds_under_concurrent_adds(engine_db, scope):
    await create_record(engine_db, scope, "r", {"followers": []})
    limit = Preconditions(limits=(Limit(("followers",), 10),))

    async def follow(i: int) -> bool:
        try:
            await apply_plan(engine_db, scope, "r", Plan([Add(("followers",), [f"u{i}"])], limit))
        except PreconditionFailed as exc:
            assert exc.reason == "limit_exceeded"
            return False
        return True

    accepted = await asyncio.gather(*(follow(i) for i in range(24)))
    stored = await get_record(engine_db, scope, "r")
    assert sum(accepted) == 10
    assert sorted(stored.data["followers"]) == sorted(
        f"u{i}" for i, ok in enumerate(accepted) if ok
    )
