"""Batches on SecantusDB: per-id outcomes of best-effort writes, all-or-nothing transactions."""

from __future__ import annotations

import pytest

from service.core.operations import Add, Inc, Limit, Plan, Preconditions, Set
from service.errors import Conflict, Invalid, NotFound, PreconditionFailed, Unavailable
from service.store.batches import (
    Create,
    Delete,
    Outcome,
    Update,
    apply_all,
    delete_ids,
    update_each,
    update_ids,
)
from service.store.client import connect
from service.store.records import create_record, get_record, get_records
from service.web.statuses import status_for


async def seed(db, scope, contents):  # type: ignore[no-untyped-def]
    for record_id, content in contents.items():
        await create_record(db, scope, record_id, content)


async def test_one_plan_on_many_ids_applies_to_all_of_them(engine_db, scope):
    await seed(engine_db, scope, {f"r{i}": {"n": i} for i in range(5)})
    results = await update_ids(
        engine_db, scope, ["r0", "r1", "r2", "r3", "r4"], Plan([Inc(("n",), 10)])
    )
    assert [r.outcome for r in results] == [Outcome.OK] * 5
    stored = await get_records(engine_db, scope, ["r0", "r4"])
    assert [r.data["n"] for r in stored] == [10, 14]


async def test_one_plan_on_many_ids_reports_each_id_that_did_not_apply(engine_db, scope):
    await seed(engine_db, scope, {"ok": {"f": []}, "scalar": {"f": 3}, "full": {"f": [1, 2]}})
    plan = Plan([Add(("f",), [9])], Preconditions(limits=(Limit(("f",), 2),)))
    results = await update_ids(engine_db, scope, ["ok", "gone", "scalar", "full", "ok"], plan)
    by_id = {r.id: r for r in results}
    assert len(results) == 4  # a repeated id is reported once
    assert by_id["ok"].outcome is Outcome.OK
    assert by_id["gone"].outcome is Outcome.NOT_FOUND
    assert by_id["scalar"].outcome is Outcome.PRECONDITION_FAILED
    assert by_id["scalar"].error.reason == "not_an_array"
    assert by_id["full"].error.reason == "limit_exceeded"
    assert (await get_record(engine_db, scope, "ok")).data == {"f": [9]}
    assert (await get_record(engine_db, scope, "full")).data == {"f": [1, 2]}


async def test_per_item_plans_report_ok_not_found_failed_and_invalid(engine_db, scope):
    await seed(engine_db, scope, {"a": {"n": 1}, "b": {"n": "text"}})
    items = [
        ("a", Plan([Inc(("n",), 1)])),
        ("b", Plan([Inc(("n",), 1)])),
        ("c", Plan([Set(("n",), 1)])),
        ("a", Plan([Set(("x",), 1), Set(("x", "y"), 2)])),
        ("a", Plan([Set(("m",), "second")])),
    ]
    results = await update_each(engine_db, scope, items)
    assert [r.outcome for r in results] == [
        Outcome.OK,
        Outcome.PRECONDITION_FAILED,
        Outcome.NOT_FOUND,
        Outcome.INVALID,
        Outcome.OK,
    ]
    assert (await get_record(engine_db, scope, "a")).data == {"n": 2, "m": "second"}


async def test_best_effort_delete_reports_missing_ids(engine_db, scope):
    await seed(engine_db, scope, {"a": 1, "b": 2})
    results = await delete_ids(engine_db, scope, ["a", "x", "b"])
    assert [r.outcome for r in results] == [Outcome.OK, Outcome.NOT_FOUND, Outcome.OK]
    assert await get_records(engine_db, scope, ["a", "b"]) == []


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
        assert caught.value.reason == "transactions_unavailable"
        assert status_for(caught.value) == 503
        assert await conn.database.records.count_documents({}) == 0
    finally:
        conn.close()
