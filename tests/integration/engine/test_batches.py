"""Best-effort batches on SecantusDB: per-id outcomes in one round trip, plus one read."""

from __future__ import annotations

from service.core.operations import Add, Inc, Limit, Plan, Preconditions, Set
from service.store.batches import Outcome, delete_ids, update_each, update_ids
from service.store.records import create_record, get_record, get_records


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
    assert by_id["scalar"].error.code == "not_an_array"
    assert by_id["full"].error.code == "limit_exceeded"
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
