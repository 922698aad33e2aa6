"""Neutral queries through the Store on the real server: every term, order, keyset cursor,
offset, count, update and delete by query, and metadata preconditions in a write's filter."""

import dataclasses

import pytest

from service.core.compiler import compile_plan
from service.core.operations import Inc, Plan, Preconditions, Replace, Set
from service.core.queries import (
    CREATED,
    KEY,
    All,
    AnyOf,
    Contains,
    Content,
    Eq,
    In,
    Meta,
    Not,
    Order,
    Prefix,
    Query,
    Range,
    Suffix,
)
from service.errors import InvalidPlan, MetadataChanged, RecordNotFound
from service.store.api import Store
from service.store.records import Scope, now

ROWS = {
    "a1": ({"name": "Alpha", "n": 1, "tags": ["x", "y"], "a.b": 1}, {"kind": "red"}),
    "a2": ({"name": "alphabet", "n": 2, "tags": ["y"]}, {"kind": "blue"}),
    "b1": ({"name": "Beta", "n": 3, "tags": []}, {"kind": "red"}),
    "c1": ({"name": "gamma ALPHA", "n": 4}, {"kind": None}),
}


@pytest.fixture
async def store(engine_db):
    return Store(engine_db, key_cache_seconds=0)


@pytest.fixture
async def rows(store, scope):
    for key, (data, meta) in ROWS.items():
        await store.records.create(scope, key, data, meta)
    # A record of another namespace and of another project: never selected.
    await store.records.create(Scope("p1", "others"), "a9", {"name": "Alpha"})
    await store.records.create(Scope("p2", scope.ns), "a8", {"name": "Alpha"})
    return scope


async def keys(store, scope, where, **query):
    found = await store.records.select(scope, Query(where=where, order=(Order(KEY),), **query))
    return [record.id for record in found]


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (None, ["a1", "a2", "b1", "c1"]),
        (Eq(Content(("n",)), 2), ["a2"]),
        (Eq(Content(("a.b",)), 1), ["a1"]),  # a dotted key is one literal key
        (Eq(Meta("kind"), "red"), ["a1", "b1"]),
        (Eq(Meta("kind"), None), ["c1"]),
        (Eq(KEY, "b1"), ["b1"]),
        (In(KEY, ("a2", "c1", "zz")), ["a2", "c1"]),
        (In(Content(("n",)), (1, 4)), ["a1", "c1"]),
        (Contains(Content(("name",)), "alpha"), ["a2"]),
        (Contains(Content(("name",)), "alpha", ignore_case=True), ["a1", "a2", "c1"]),
        (Contains(Content(("tags",)), "x"), ["a1"]),  # any element of an array
        (Prefix(Content(("name",)), "Al"), ["a1"]),
        (Suffix(Content(("name",)), "bet"), ["a2"]),
        (Contains(Content(("name",)), "a.*"), []),  # the text is literal, not a pattern
        (Range(Content(("n",)), gt=1, le=3), ["a2", "b1"]),
        (Range(Content(("n",)), ge=4), ["c1"]),
        (Not(Eq(Meta("kind"), "red")), ["a2", "c1"]),
        (All((Eq(Meta("kind"), "red"), Range(Content(("n",)), gt=1))), ["b1"]),
        (AnyOf((Eq(KEY, "a1"), Eq(Content(("n",)), 4))), ["a1", "c1"]),
        (AnyOf(()), []),
    ],
)
async def test_each_term_selects_exactly_its_records(store, rows, where, expected):
    assert await keys(store, rows, where) == expected
    assert await store.records.count(rows, Query(where=where)) == len(expected)


async def test_a_keyset_cursor_pages_in_order_without_gaps_or_repeats(store, rows):
    await store.records.create(rows, "b0", {"n": 3})  # a tie on the first order field
    order = (Order(Content(("n",)), descending=True), Order(KEY))
    seen, after = [], None
    while True:
        page = await store.records.select(rows, Query(order=order, after=after, limit=1))
        if not page:
            break
        seen.append(page[0].id)
        after = (page[0].data["n"], page[0].id)
    assert seen == ["c1", "b0", "b1", "a2", "a1"]


async def test_offset_limit_and_page_total(store, rows):
    query = Query(where=Eq(Meta("kind"), "red"), order=(Order(CREATED, True), Order(KEY, True)))
    found, total = await store.records.page(rows, dataclasses.replace(query, limit=1))
    assert total == 2 and [r.id for r in found] == ["b1"]
    assert await keys(store, rows, None, offset=3) == ["c1"]


def test_a_key_is_not_matched_by_its_text():
    with pytest.raises(InvalidPlan):
        Prefix(KEY, "a")


def test_a_cursor_needs_one_value_per_order_field():
    with pytest.raises(InvalidPlan):
        Query(order=(Order(KEY),), after=("a", 1))


async def test_update_where_applies_the_plan_to_each_selected_record_only(store, rows):
    changed = await store.records.update_where(
        rows, Query(where=Eq(Meta("kind"), "red")), Plan((Inc(("n",), 10),))
    )
    assert changed == 2
    stored = {r.id: (r.data["n"], r.rev) for r in await store.records.select(rows, Query())}
    assert stored == {"a1": (11, 1), "a2": (2, 0), "b1": (13, 1), "c1": (4, 0)}


async def test_delete_where_takes_the_selected_records_and_their_versions(store, rows):
    await store.records.apply_versioned(rows, "a2", Plan((Replace({"v": 2}),)))
    gone = await store.records.delete_where(rows, Query(where=In(KEY, ("a1", "a2"))))
    assert gone == 2
    assert await keys(store, rows, None) == ["b1", "c1"]
    assert await store.records.count(Scope("p1", "others"), Query()) == 1
    with pytest.raises(RecordNotFound):
        await store.records.read_version(rows, "a2", 1)


async def test_a_metadata_precondition_is_checked_inside_the_write(store, rows):
    red = Preconditions(meta={"kind": "red"})
    await store.records.apply(rows, "a1", Plan((Set(("n",), 0),), preconditions=red))
    with pytest.raises(MetadataChanged):
        await store.records.apply(rows, "a2", Plan((Set(("n",), 0),), preconditions=red))
    # The lone-Replace shortcut keeps the condition too; try_apply answers without a read.
    assert await store.records.try_apply(rows, "b1", Plan((Replace([1]),), preconditions=red))
    assert not await store.records.try_apply(rows, "c1", Plan((Replace([1]),), preconditions=red))
    assert (await store.records.get(rows, "a2")).data["n"] == 2
    assert (await store.records.get(rows, "c1")).data["n"] == 4
    assert (await store.records.get(rows, "b1")).data == [1]


def test_a_metadata_precondition_cannot_name_a_layout_field():
    with pytest.raises(InvalidPlan):
        compile_plan(Plan((Replace(1),), preconditions=Preconditions(meta={"rev": 1})), now=now())
