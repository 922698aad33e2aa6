"""All-or-nothing batches on SecantusDB: one ordered bulk write in one transaction, the
failing item reported by its index, nothing half applied."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable
from typing import Any

import pytest
from pymongo import AsyncMongoClient, monitoring

from service.core.operations import Add, Inc, Limit, Plan, Preconditions, Set
from service.errors import (
    AlreadyExists,
    Conflict,
    Invalid,
    NotFound,
    PreconditionFailed,
    Unavailable,
)
from service.store.batches import Create, Delete, Update, Upsert
from service.store.bulk import apply_all
from service.store.client import connect
from service.store.records import apply_plan, get_record, get_records, new_document, now
from service.web.statuses import status_for


async def seed(db, scope, contents: dict[Any, Any]) -> None:  # type: ignore[no-untyped-def]
    """Records at rev 0 in one insert (the batches under test write nothing before)."""
    moment = now()
    await db.records.insert_many(
        [new_document(scope, key, data, {}, moment) for key, data in contents.items()]
    )


async def test_all_or_nothing_applies_creates_updates_and_deletes_together(engine_db, scope):
    await seed(engine_db, scope, {"old": 1, "row": {"n": 1}})
    items = [
        Create("new", {"n": 0}),
        Update("row", Plan([Inc(("n",), 1)])),
        Delete("old"),
        Delete("absent", missing_ok=True),
    ]
    await apply_all(engine_db, scope, items)
    stored = await get_records(engine_db, scope, ["new", "row", "old"])
    assert [(r.id, r.data) for r in stored] == [("new", {"n": 0}), ("row", {"n": 2})]


@pytest.mark.parametrize(
    ("last", "error"),
    [
        (Update("missing", Plan([Set(("a",), 1)])), NotFound),
        (Update("row", Plan([Set(("a",), 1)], Preconditions(rev=9))), PreconditionFailed),
        (Create("row", {}), Conflict),
        (Delete("missing"), NotFound),
    ],
)
async def test_all_or_nothing_batch_whose_last_item_fails_writes_nothing(
    engine_db, scope, last, error
):
    await seed(engine_db, scope, {"row": {"n": 1}})
    items = [Create(f"new{i}", {"i": i}) for i in range(5)]
    items += [Update("row", Plan([Inc(("n",), 1)])), last]
    with pytest.raises(error) as caught:
        await apply_all(engine_db, scope, items)
    assert caught.value.details["index"] == 6
    assert [r.id for r in await get_records(engine_db, scope, ["new0", "new4", "row"])] == ["row"]
    assert (await get_record(engine_db, scope, "row")).data == {"n": 1}


async def test_all_or_nothing_batch_with_an_invalid_item_is_refused_before_writing(
    engine_db, scope
):
    items = [Create("new", 1), Update("x", Plan([Set(("a",), 1), Set(("a",), 2)]))]
    with pytest.raises(Invalid) as caught:
        await apply_all(engine_db, scope, items)
    assert caught.value.details["index"] == 1
    assert await get_records(engine_db, scope, ["new"]) == []


async def test_all_or_nothing_needs_a_replica_set_and_writes_nothing_without_one(
    standalone_uri, scope
):
    conn = connect(standalone_uri, "standalone", timeout_ms=2000)
    try:
        with pytest.raises(Unavailable) as caught:
            await apply_all(conn.database, scope, [Create("a", 1), Create("b", 2)])
        assert caught.value.code == "transactions_unavailable"
        assert status_for(caught.value) == 503
        assert await conn.database.records.count_documents({}) == 0
    finally:
        await conn.close()


async def test_an_all_or_nothing_upsert_of_10000_rows_takes_a_handful_of_round_trips(
    counted, scope
):
    db, commands = counted
    rows = 10_000
    await seed(db, scope, {i: {"a": -1, "b": i} for i in range(0, rows, 2)})  # half present
    commands.names.clear()
    items = [Upsert(i, Plan([Set(("a",), i)])) for i in range(rows)]
    await apply_all(db, scope, items)
    assert len(commands.names) <= 6, commands.names
    assert commands.names.count("update") == 1
    stored = {r.id: r for r in await get_records(db, scope, [0, 1, rows - 2, rows - 1])}
    assert (stored[0].data, stored[0].rev) == ({"a": 0, "b": 0}, 1)  # present: plan applied
    assert (stored[1].data, stored[1].rev) == ({"a": 1}, 0)  # absent: created at rev 0
    assert stored[rows - 1].data == {"a": rows - 1}
    assert await db.records.count_documents({"ns": scope.ns}) == rows


async def test_an_upsert_creates_an_absent_record_like_create_and_updates_a_present_one(
    engine_db, scope
):
    await seed(engine_db, scope, {"old": {"n": 1, "keep": True}})
    before = await get_record(engine_db, scope, "old")
    plan = Plan([Inc(("n",), 5), Add(("tags",), ["x"])], meta={"owner": "u1"})
    await apply_all(engine_db, scope, [Upsert("new", plan), Upsert("old", plan)])
    new, old = await get_records(engine_db, scope, ["new", "old"])
    assert (new.data, new.rev, new.version, new.meta) == (
        {"n": 5, "tags": ["x"]},
        0,
        0,
        {"owner": "u1"},
    )
    assert new.created_at == new.updated_at
    assert (old.data, old.rev) == ({"n": 6, "keep": True, "tags": ["x"]}, 1)
    assert old.created_at == before.created_at < old.updated_at


@pytest.mark.parametrize(
    "bad",
    [
        Update("r1", Plan([Set(("a",), 1), Set(("a", "b"), 2)])),  # overlapping paths
        Upsert("r1", Plan([Set(("a",), 1)], Preconditions(rev=0))),  # an upsert has no rev
        Upsert("r1", Plan([Add(("f",), [1])], Preconditions(limits=(Limit(("f",), 2),)))),
        Create("r1", 1, meta={"rev": 5}),  # a reserved metadata name
    ],
)
async def test_an_invalid_item_aborts_the_batch_before_anything_is_sent(counted, scope, bad):
    db, commands = counted
    items = [Upsert(f"u{i}", Plan([Set(("a",), i)])) for i in range(3)] + [bad]
    with pytest.raises(Invalid) as caught:
        await apply_all(db, scope, items)
    assert caught.value.details["index"] == 3
    assert caught.value.details["id"] == "r1"
    assert commands.names == []
    assert await db.records.count_documents({}) == 0


@pytest.mark.parametrize(
    ("failing", "error", "reason"),
    [
        (
            Update("r7", Plan([Set(("a",), 1)], Preconditions(rev=4))),
            PreconditionFailed,
            "revision_mismatch",
        ),
        (Update("r7", Plan([Inc(("s",), 1)])), PreconditionFailed, "not_a_number"),
        (Update("gone", Plan([Set(("a",), 1)])), NotFound, "not_found"),
        (
            Update("r7", Plan([Add(("f",), [3, 4])], Preconditions(limits=(Limit(("f",), 2),)))),
            PreconditionFailed,
            "limit_exceeded",
        ),
        (Upsert("r7", Plan([Inc(("s",), 1)])), PreconditionFailed, "not_a_number"),
        (Create("r7", {}), AlreadyExists, "duplicate"),
        (Delete("r7", expected_rev=3), PreconditionFailed, "revision_mismatch"),
        (Delete("gone"), NotFound, "not_found"),
    ],
)
async def test_a_failing_item_at_index_k_aborts_the_whole_batch_and_reports_k(
    engine_db, scope, failing, error, reason
):
    await seed(engine_db, scope, {f"r{i}": {"s": "text", "f": [1]} for i in range(10)})
    items: list = [Upsert(f"r{i}", Plan([Set(("n",), i)])) for i in range(10)]
    items += [Upsert(f"new{i}", Plan([Set(("n",), i)])) for i in range(5)]
    k = 12
    items[k] = failing
    with pytest.raises(error) as caught:
        await apply_all(engine_db, scope, items)
    assert caught.value.code == reason
    assert (caught.value.details["index"], caught.value.details["id"]) == (k, failing.id)
    stored = await get_records(engine_db, scope, [f"r{i}" for i in range(10)] + ["new0"])
    assert [(r.rev, r.data) for r in stored] == [(0, {"s": "text", "f": [1]})] * 10


async def test_a_missed_precondition_costs_one_read_after_the_bulk_write(counted, scope):
    db, commands = counted
    await seed(db, scope, {f"r{i}": {"n": 0} for i in range(100)})
    commands.names.clear()
    items = [Update(f"r{i}", Plan([Inc(("n",), 1)])) for i in range(100)]
    items[60] = Update("r60", Plan([Inc(("n",), 1)], Preconditions(rev=9)))
    with pytest.raises(PreconditionFailed) as caught:
        await apply_all(db, scope, items)
    assert caught.value.details["index"] == 60
    assert commands.names == ["update", "find", "abortTransaction"]


async def test_a_duplicate_create_reports_its_index_and_writes_nothing(engine_db, scope):
    items = [Create("a", 1), Create("b", 2), Upsert("c", Plan([Set(("x",), 1)])), Create("a", 3)]
    with pytest.raises(Conflict) as caught:
        await apply_all(engine_db, scope, items)
    assert (caught.value.details["index"], caught.value.details["id"]) == (3, "a")
    assert status_for(caught.value) == 409
    assert await get_records(engine_db, scope, ["a", "b", "c"]) == []


async def test_mixed_upserts_updates_creates_and_deletes_apply_in_order(engine_db, scope):
    await seed(engine_db, scope, {"x": {"n": 1}, "y": {"old": True}, "z": {"n": 0}})
    items = [
        Upsert("x", Plan([Inc(("n",), 10)])),  # x: n 11, rev 1
        Update("x", Plan([Inc(("n",), 1)], Preconditions(rev=1))),  # sees the upsert: n 12
        Delete("y", expected_rev=0),
        Upsert("y", Plan([Set(("m",), 1)])),  # deleted just before: created afresh
        Create("w", {"tmp": 1}),
        Delete("w"),  # created just before: exists, removed
        Delete("z", expected_rev=0),
        Create("z", {"again": True}),
        Update("z", Plan([Set(("n",), 5)])),
        Delete("v", missing_ok=True),
        Delete("x", expected_rev=2),  # x is at rev 2 after the two writes above ...
        Create("x", {"n": 0}),  # ... so it goes, and comes back
    ]
    await apply_all(engine_db, scope, items)
    stored = {
        r.id: (r.data, r.rev) for r in await get_records(engine_db, scope, ["w", "x", "y", "z"])
    }
    assert stored == {"x": ({"n": 0}, 0), "y": ({"m": 1}, 0), "z": ({"again": True, "n": 5}, 1)}


async def test_a_delete_expecting_a_revision_an_earlier_item_moved_past_fails_at_its_index(
    engine_db, scope
):
    await seed(engine_db, scope, {"x": {"n": 1}})
    items = [Update("x", Plan([Inc(("n",), 1)])), Delete("x", expected_rev=0)]
    with pytest.raises(PreconditionFailed) as caught:
        await apply_all(engine_db, scope, items)
    assert caught.value.details["index"] == 1
    assert caught.value.details["rev"] == 1
    assert (await get_record(engine_db, scope, "x")).data == {"n": 1}


async def test_rows_over_one_message_go_in_several_commands_of_one_transaction(counted, scope):
    db, commands = counted
    big = "x" * 1_000_000
    items = [Upsert(i, Plan([Set(("blob",), big)])) for i in range(60)]  # about 60 MB
    await apply_all(db, scope, items)
    assert commands.names.count("update") == 2
    assert commands.names[-1] == "commitTransaction"
    assert await db.records.count_documents({"ns": scope.ns}) == 60


class UpdateSeen(monitoring.CommandListener):
    """Set once an update command has left (listeners run on the driver's threads)."""

    def __init__(self) -> None:
        self.seen = threading.Event()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name == "update":
            self.seen.set()

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def outcome(batch: Awaitable[object]) -> bool:
    """Whether the batch applied; losing every retry to the other writer is a Conflict."""
    try:
        await batch
    except Conflict as exc:
        assert exc.code == "contended"
        return False
    return True


async def test_concurrent_writers_cannot_leave_half_of_a_batch_applied(db_uri, engine_db, scope):
    rows = 2_000
    await seed(engine_db, scope, {i: {"n": 0} for i in range(rows)})
    listener = UpdateSeen()
    client: AsyncMongoClient = AsyncMongoClient(db_uri, event_listeners=[listener])
    db = client[engine_db.name]
    forward = [Update(i, Plan([Inc(("n",), 1)])) for i in range(rows)]
    backward = [Update(i, Plan([Inc(("n",), 10)])) for i in reversed(range(rows))]
    try:
        first = asyncio.create_task(apply_all(db, scope, forward))
        assert await asyncio.to_thread(listener.seen.wait, 30)
        second = asyncio.create_task(apply_all(db, scope, backward))
        for i in (rows - 1, 0, rows // 2):  # a writer outside any transaction, meanwhile
            await apply_plan(engine_db, scope, i, Plan([Set(("w",), 1)]))
        applied = (await outcome(first), await outcome(second))
    finally:
        await client.close()
    expected = 1 * applied[0] + 10 * applied[1]
    by_n = await engine_db.records.aggregate([{"$group": {"_id": "$data.n", "count": {"$sum": 1}}}])
    assert await by_n.to_list(None) == [{"_id": expected, "count": rows}]
    assert await engine_db.records.count_documents({"data.w": 1}) == 3
