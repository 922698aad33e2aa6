"""Single-record writes on SecantusDB: atomic plans, preconditions, odd keys, error mapping."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from bson.errors import InvalidDocument
from pymongo import AsyncMongoClient
from pymongo.errors import (
    AutoReconnect,
    DuplicateKeyError,
    NetworkTimeout,
    OperationFailure,
    ServerSelectionTimeoutError,
    WriteError,
)

from service.core.compiler import compile_upsert
from service.core.guards import Guard, filter_for
from service.core.kinds import KINDS_OR_MISSING
from service.core.operations import (
    NO_PRECONDITIONS,
    Add,
    Inc,
    Limit,
    Merge,
    Plan,
    Preconditions,
    Remove,
    Replace,
    ReplaceSameKind,
    Set,
    Unset,
)
from service.core.rendering import MAX_OPERATOR_PATHS
from service.errors import (
    Conflict,
    Invalid,
    KindMismatch,
    MetadataChanged,
    NotFound,
    PreconditionFailed,
    Unavailable,
)
from service.store.records import (
    Scope,
    apply_plan,
    apply_plan_and_read,
    create_record,
    database_errors,
    delete_record,
    get_record,
    selector,
    try_plan,
)

LIST_LIMIT = Limit(("list",), 2)
ODD = {"a.b": 1, "$x": {"": 2, "%": [{"\x00k": 3}]}, "plain": "v"}


async def test_odd_keys_round_trip_exactly_and_are_stored_escaped(engine_db, scope):
    await create_record(engine_db, scope, "r1", ODD)
    raw = await engine_db.records.find_one(selector(scope, "r1"))
    assert raw["data"] == {"a%2Eb": 1, "%24x": {"%": 2, "%25": [{"%00k": 3}]}, "plain": "v"}
    assert raw["keysEscaped"] is True
    assert (await get_record(engine_db, scope, "r1")).data == ODD


@pytest.mark.parametrize("form", ["lone replace", "replace at a revision", "pipeline"])
async def test_content_needing_no_escape_removes_the_escape_flag(engine_db, scope, form):
    """Each rendering of a write that replaces the content (the lone Replace's, the general
    operators', the pipeline's) leaves no flag behind once no key needs escaping."""
    await create_record(engine_db, scope, "r1", ODD)
    plain = {"plain": "w"}
    if form == "pipeline":
        update = compile_upsert(Plan((Replace(plain),)), now=datetime.now(UTC)).update
        await engine_db.records.update_one(selector(scope, "r1"), update)
    else:
        pre = Preconditions(rev=0) if form == "replace at a revision" else NO_PRECONDITIONS
        await apply_plan(engine_db, scope, "r1", Plan((Replace(plain),), preconditions=pre))
    raw = await engine_db.records.find_one(selector(scope, "r1"))
    assert (raw["rev"], "keysEscaped" in raw) == (1, False)
    assert (await get_record(engine_db, scope, "r1")).data == plain


async def test_a_new_record_stores_no_default_fields(engine_db, scope):
    """No `version` before the first archived one, no metadata created as None: each
    stored field costs the embedded database on every write of the record."""
    await create_record(engine_db, scope, "r1", {"a": 1}, meta={"name": None, "tag": "t"})
    raw = await engine_db.records.find_one(selector(scope, "r1"))
    assert set(raw) == {"_id", "project", "ns", "data", "rev", "createdAt", "updatedAt", "tag"}
    found = await get_record(engine_db, scope, "r1")
    assert (found.version, found.meta.get("name"), found.meta["tag"]) == (0, None, "t")
    # A filter expecting the None metadata still matches the record without it.
    plan = Plan((Replace({"a": 2}),), preconditions=Preconditions(meta={"name": None}))
    await apply_plan(engine_db, scope, "r1", plan)
    assert (await get_record(engine_db, scope, "r1")).data == {"a": 2}


def test_a_write_filter_is_the_id_then_each_equality_as_not_ne():
    bins = Scope("p1", "bins", global_keys=True)
    conditions = {"private": True, "schemaDocId": None, "data": {"$type": "array"}, "rev": 3}
    assert list(selector(bins, "b1", conditions).items()) == [
        ("_id", selector(Scope("p2", "bins", global_keys=True), "b1")["_id"]),
        ("project", {"$not": {"$ne": "p1"}}),
        ("private", {"$not": {"$ne": True}}),
        ("schemaDocId", {"$not": {"$ne": None}}),
        ("data", {"$type": "array"}),
        ("rev", {"$not": {"$ne": 3}}),
    ]


async def test_a_null_precondition_matches_a_missing_or_null_field_only(engine_db):
    bins = Scope("p1", "bins", global_keys=True)
    await create_record(engine_db, bins, "missing", 1, meta={"private": True})
    await create_record(engine_db, bins, "null", 1, meta={"private": True, "schemaDocId": None})
    await create_record(engine_db, bins, "set", 1, meta={"private": True, "schemaDocId": "s"})
    await create_record(engine_db, bins, "public", 1, meta={"private": False})
    guarded = Preconditions(meta={"private": True, "schemaDocId": None})
    plan = Plan((Replace(2),), preconditions=guarded)
    applied = {
        key: await try_plan(engine_db, bins, key, plan)
        for key in ("missing", "null", "set", "public")
    }
    assert applied == {"missing": True, "null": True, "set": False, "public": False}
    assert not await try_plan(engine_db, Scope("p2", "bins", global_keys=True), "null", plan)
    with pytest.raises(MetadataChanged):
        await apply_plan(engine_db, bins, "set", Plan((Set(("x",), 1),), preconditions=guarded))
    assert (await get_record(engine_db, bins, "set")).data == 1


async def test_a_dotted_key_in_a_path_is_one_literal_key(engine_db, scope):
    await create_record(engine_db, scope, "r1", {"a": {"b": 0}})
    await apply_plan(engine_db, scope, "r1", Plan([Set(("a.b",), 1), Inc(("$n",), 2)]))
    stored = await get_record(engine_db, scope, "r1")
    assert stored.data == {"a": {"b": 0}, "a.b": 1, "$n": 2}


async def test_guard_filters_select_exactly_the_allowed_kinds_on_the_server(engine_db, scope):
    samples = {
        "o": {"k": 1},
        "a": [1, "s", None],
        "e": [],
        "s": "s",
        "n": 2.5,
        "b": True,
        "z": None,
    }
    for name, value in samples.items():
        await engine_db.records.insert_one({"_id": name, "data": {"v": value}})
    await engine_db.records.insert_one({"_id": "missing", "data": {}})
    kinds = sorted(KINDS_OR_MISSING)
    for size in (1, 2, 6):
        for allowed in itertools.combinations(kinds, size):
            guard = Guard(("v",), frozenset(allowed), KindMismatch)
            docs = engine_db.records.find(filter_for([guard]), {"data": 1})
            matched = {doc["_id"] async for doc in docs}
            expected = {d for d, v in samples.items() if guard.holds({"v": v})}
            expected |= {"missing"} if "missing" in allowed else set()
            assert matched == expected, allowed


async def test_update_bumps_rev_and_updated_at_in_the_same_write(engine_db, scope):
    created = await create_record(engine_db, scope, "r1", {"n": 1})
    receipt = await apply_plan(engine_db, scope, "r1", Plan([Inc(("n",), 1)], Preconditions(rev=0)))
    stored = await get_record(engine_db, scope, "r1")
    assert (stored.rev, receipt.rev, stored.data) == (1, 1, {"n": 2})
    assert stored.updated_at == receipt.updated_at >= created.created_at


async def test_missing_record_is_not_found_and_other_id_scope_is_invisible(engine_db, scope):
    with pytest.raises(NotFound):
        await apply_plan(engine_db, scope, "nope", Plan([Set(("a",), 1)]))
    await create_record(engine_db, scope, "r1", {})
    other = type(scope)(project="p2", ns=scope.ns)
    with pytest.raises(NotFound):
        await apply_plan(engine_db, other, "r1", Plan([Set(("a",), 1)]))


@pytest.mark.parametrize(
    ("plan", "reason"),
    [
        (Plan([Set(("a",), 1)], Preconditions(rev=5)), "revision_mismatch"),
        (Plan([Set(("s", "x"), 1)]), "not_an_object"),
        (Plan([Add(("s",), [1])]), "not_an_array"),
        (Plan([Inc(("list",), 1)]), "not_a_number"),
        (Plan([ReplaceSameKind([1])]), "kind_mismatch"),
        (
            Plan([Add(("list",), [9])], Preconditions(limits=(Limit(("list",), 2),))),
            "limit_exceeded",
        ),
    ],
)
async def test_failed_precondition_names_its_reason_and_writes_nothing(
    engine_db, scope, plan, reason
):
    await create_record(engine_db, scope, "r1", {"s": "text", "list": [1, 2]})
    with pytest.raises(PreconditionFailed) as caught:
        await apply_plan(engine_db, scope, "r1", plan)
    assert caught.value.code == reason
    stored = await get_record(engine_db, scope, "r1")
    assert (stored.rev, stored.data) == (0, {"s": "text", "list": [1, 2]})


async def test_remove_then_add_on_one_array_keeps_order_and_set_semantics(engine_db, scope):
    await create_record(engine_db, scope, "r1", {"f": ["a", "b", "c"]})
    plan = Plan([Add(("f",), ["d", "a", "b", "d"]), Remove(("f",), ["b", "x"])])
    stored = await apply_plan_and_read(engine_db, scope, "r1", plan)
    assert stored.data == {"f": ["a", "c", "d", "b"]}


async def test_swapping_the_single_owner_fits_a_limit_of_one(engine_db, scope):
    await create_record(engine_db, scope, "r1", {"owner": ["u1"]})
    limit = Preconditions(limits=(Limit(("owner",), 1),))
    plan = Plan([Add(("owner",), ["u2"]), Remove(("owner",), ["u1"])], limit)
    assert (await apply_plan_and_read(engine_db, scope, "r1", plan)).data == {"owner": ["u2"]}


@pytest.mark.parametrize("with_add", [False, True])
async def test_remove_matches_like_pull_in_both_forms(engine_db, scope, with_add):
    await create_record(engine_db, scope, "r1", {"f": [[1, 2], 1, 1.0, True, {"u": 1, "v": 2}, 3]})
    ops = [Remove(("f",), [1, {"v": 2, "u": 1}])] + ([Add(("f",), [4])] if with_add else [])
    stored = await apply_plan_and_read(engine_db, scope, "r1", Plan(ops))
    expected = [True, {"u": 1, "v": 2}, 3] + ([4] if with_add else [])
    assert stored.data["f"] == expected


async def test_add_uses_database_equality(engine_db, scope):
    await create_record(engine_db, scope, "r1", {"f": [1, {"u": 1, "v": 2}]})
    plan = Plan([Add(("f",), [1.0, True, {"v": 2, "u": 1}, {"u": 1, "v": 2}])])
    stored = await apply_plan_and_read(engine_db, scope, "r1", plan)
    assert stored.data["f"] == [1, {"u": 1, "v": 2}, True, {"v": 2, "u": 1}]


async def test_merge_recurses_into_objects_replaces_arrays_and_stores_null(engine_db, scope):
    content = {"o": {"p": {"q": 1, "r": 2}, "arr": [1, 2]}, "s": 1, "keep": True}
    await create_record(engine_db, scope, "r1", content)
    patch = {"o": {"p": {"q": None}, "arr": [3]}, "s": {"t": 1}, "new": {}}
    stored = await apply_plan_and_read(engine_db, scope, "r1", Plan([Merge(patch)]))
    assert stored.data == {
        "o": {"p": {"q": None, "r": 2}, "arr": [3]},
        "s": {"t": 1},
        "keep": True,
        "new": {},
    }


async def test_writes_of_more_paths_than_operators_take_land_whole(engine_db, scope):
    """Past MAX_OPERATOR_PATHS a body is written as a pipeline (linear on SecantusDB, where
    operators take quadratic time): the same result, guards included."""
    many = MAX_OPERATOR_PATHS + 50
    await create_record(engine_db, scope, "r1", {"k0": {"y": 0}, "n": 1, "gone": True})
    patch = {f"k{i}": {"x": i} for i in range(many)}
    merged = await apply_plan_and_read(engine_db, scope, "r1", Plan([Merge(patch)]))
    assert merged.data == {**patch, "k0": {"y": 0, "x": 0}, "n": 1, "gone": True}
    plan = Plan([*(Set(("s", f"f{i}"), i) for i in range(many)), Inc(("n",), 2), Unset(("gone",))])
    stored = await apply_plan_and_read(engine_db, scope, "r1", plan)
    assert stored.data["s"] == {f"f{i}": i for i in range(many)}
    assert (stored.data["n"], "gone" in stored.data, stored.rev) == (3, False, 2)
    deep = {**patch, "k1": {"x": {"y": None}, "z": []}, "n": {"o": 1}, "s": "text"}
    stored = await apply_plan_and_read(engine_db, scope, "r1", Plan([Merge(deep)]))
    assert stored.data["k1"] == {"x": {"y": None}, "z": []}  # into a scalar: the patch
    assert (stored.data["k0"], stored.data["n"], stored.data["s"]) == (
        {"y": 0, "x": 0},
        {"o": 1},
        "text",
    )
    await apply_plan(engine_db, scope, "r1", Plan([Replace([1])]))
    with pytest.raises(KindMismatch):  # a merge needs an object to merge into
        await apply_plan_and_read(engine_db, scope, "r1", Plan([Merge(patch)]))
    await apply_plan(engine_db, scope, "r1", Plan([Replace({"n": 3})]))
    with pytest.raises(KindMismatch):  # a guard still holds: "n" is no object
        await apply_plan(
            engine_db, scope, "r1", Plan([Set(("n", f"f{i}"), i) for i in range(many)])
        )
    assert (await get_record(engine_db, scope, "r1")).data["n"] == 3


async def test_unset_and_meta_fields_apply_together(engine_db, scope):
    await create_record(engine_db, scope, "r1", {"a": 1, "b": 2}, meta={"name": "first"})
    plan = Plan([Unset(("a",)), Unset(("zz", "y"))], meta={"name": "second"})
    stored = await apply_plan_and_read(engine_db, scope, "r1", plan)
    assert (stored.data, stored.meta) == ({"b": 2}, {"name": "second"})


async def test_create_with_an_existing_id_is_a_conflict(engine_db, scope):
    await create_record(engine_db, scope, "r1", 1)
    with pytest.raises(Conflict):
        await create_record(engine_db, scope, "r1", 2)


async def test_delete_honours_expected_revision(engine_db, scope):
    await create_record(engine_db, scope, "r1", [])
    with pytest.raises(PreconditionFailed):
        await delete_record(engine_db, scope, "r1", expected_rev=3)
    await delete_record(engine_db, scope, "r1", expected_rev=0)
    with pytest.raises(NotFound):
        await delete_record(engine_db, scope, "r1")


@pytest.mark.parametrize("content", [{"a": "\ud800"}, {"\udc00": 1}])
async def test_lone_surrogates_are_invalid_and_nothing_is_written(engine_db, scope, content):
    with pytest.raises(Invalid):
        await create_record(engine_db, scope, "r1", content)
    await create_record(engine_db, scope, "r1", {})
    with pytest.raises(Invalid):
        await apply_plan(engine_db, scope, "r1", Plan([Replace(content)]))
    assert (await get_record(engine_db, scope, "r1")).rev == 0


async def test_a_conflicting_update_from_the_server_maps_to_invalid(engine_db):
    await engine_db.raw.insert_one({"_id": 1, "a": [1]})
    with pytest.raises(Invalid), database_errors():
        await engine_db.raw.update_one({"_id": 1}, {"$addToSet": {"a": 2}, "$pull": {"a": 1}})


async def test_an_unreachable_database_maps_to_unavailable(scope):
    client = AsyncMongoClient(
        "mongodb://127.0.0.1:1/?directConnection=true", serverSelectionTimeoutMS=100
    )
    with pytest.raises(Unavailable):
        await get_record(client.db, scope, "x")
    await client.close()


@pytest.mark.parametrize(
    ("raised", "expected"),
    [
        (AutoReconnect("connection closed"), Unavailable),
        (ServerSelectionTimeoutError("no server"), Unavailable),
        (NetworkTimeout("timed out"), Unavailable),
        (DuplicateKeyError("E11000", 11000), Conflict),
        (WriteError("would create a conflict", 40), Invalid),
        (
            OperationFailure("Transaction numbers are only allowed on a replica set", 20),
            Unavailable,
        ),
        (InvalidDocument("key must not contain NUL"), Invalid),
    ],
)
def test_driver_errors_become_domain_errors(raised, expected):
    with pytest.raises(expected), database_errors():
        raise raised


def test_transient_transaction_errors_pass_through_to_be_retried():
    details = {"errorLabels": ["TransientTransactionError"], "code": 112, "errmsg": "conflict"}
    with pytest.raises(OperationFailure), database_errors():
        raise OperationFailure("WriteConflict", 112, details)
