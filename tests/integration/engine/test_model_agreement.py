"""Property: on SecantusDB, random plans on random content give what the reference model gives."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.core.kinds import Kind
from service.core.operations import (
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
from service.errors import RecordHubError
from service.store.lastwrites import LastWrites
from service.store.records import (
    apply_plan,
    apply_plan_and_read,
    create_record,
    get_record,
    records_of,
    stored_id,
)

from . import model

# Few keys, so that paths often meet stored values; odd ones exercise the key escape.
keys = st.sampled_from(["a", "b", "c", "a.b", "$x", "", "%"])
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([0.5, -1.5, "s", "t", "$v", ""])
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=8,
)
objects = st.dictionaries(keys, values, max_size=4)
contents = st.one_of(objects, objects, objects, values)  # mostly objects, some other kinds
random_paths = st.lists(keys, min_size=1, max_size=3).map(tuple)
elements = st.one_of(
    scalars,
    st.dictionaries(st.sampled_from(["u", "v"]), scalars, max_size=2),
    st.lists(scalars, max_size=2),
)
element_lists = st.lists(elements, max_size=3)


def examples(count: int) -> settings:
    """Hypothesis settings for tests that write to the database for every example."""
    return settings(
        max_examples=count,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@st.composite
def patches(draw: st.DrawFn, base: object) -> dict:
    """A merge patch shaped like `base`: it reaches into stored objects, so depth matters."""
    patch = draw(objects)
    if isinstance(base, dict):
        for key, value in base.items():
            if draw(st.booleans()):
                patch[key] = draw(patches(value)) if isinstance(value, dict) else draw(values)
    return patch


def stored_paths(content: object, prefix: tuple = ()) -> list[tuple]:
    """Every path that leads through objects in `content`, so plans often hit stored values."""
    if not isinstance(content, dict):
        return []
    found = []
    for key, value in content.items():
        found.append((*prefix, key))
        found += stored_paths(value, (*prefix, key))
    return found


def path_operations(paths: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(
        st.builds(Set, paths, values),
        st.builds(Unset, paths),
        st.builds(Add, paths, element_lists),
        st.builds(Remove, paths, element_lists),
        st.builds(Inc, paths, st.integers(-3, 3) | st.just(0.5)),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[object, Plan]:
    content = draw(contents)
    existing = stored_paths(content)
    paths = st.one_of(st.sampled_from(existing), random_paths) if existing else random_paths
    ops = draw(st.lists(path_operations(paths), max_size=3))
    if draw(st.booleans()):  # add and remove on one array in one request
        path = draw(paths)
        ops += [Add(path, draw(element_lists)), Remove(path, draw(element_lists))]
    if draw(st.integers(0, 3)) == 0:
        whole = st.one_of(
            st.builds(Replace, contents),
            st.builds(ReplaceSameKind, contents),
            st.builds(Merge, patches(content)),
        )
        ops = [draw(whole), *ops[: draw(st.integers(0, 1))]]
    limits = ()
    added = [op.path for op in ops if isinstance(op, Add)]
    if added and draw(st.booleans()):
        limits = (Limit(draw(st.sampled_from(added)), draw(st.integers(0, 4))),)
    rev = draw(st.sampled_from([None, None, 0, 1]))
    kind = draw(st.sampled_from([None, None, None, Kind.OBJECT, Kind.ARRAY]))
    plan = Plan(draw(st.permutations(ops)), Preconditions(rev=rev, kind=kind, limits=limits))
    return content, plan


@examples(100)
@given(case=cases())
@pytest.mark.parametrize(
    "read_back, remembered",
    [(False, False), (True, False), (True, True)],
    ids=["write", "write and read back", "read back from the remembered record"],
)
async def test_engine_applies_plans_exactly_as_the_reference_model(
    engine_db, scope, case, read_back, remembered
):
    """With `read_back`, a pipeline plan takes the read, compute, guarded-write path; with
    `remembered`, it starts from the record as this replica's last swap would have left it
    (service.store.lastwrites), skipping the read."""
    await agrees_with_model(engine_db, scope, *case, read_back=read_back, remembered=remembered)


async def agrees_with_model(
    db, scope, content: object, plan: Plan, *, read_back: bool, remembered: bool = False
) -> None:
    """`plan` on a record holding `content` does what the model says, or fails as it says;
    a read-back answers the record as stored."""
    record_id = uuid.uuid4().hex  # one collection for all examples, a record each
    await create_record(db, scope, record_id, content)
    last = None
    key = (scope.collection, stored_id(scope, record_id))
    if remembered:
        last = LastWrites()
        last.wrote(key, await records_of(db, scope).find_one({"_id": key[1]}), read=None)
    try:
        expected, expected_error = model.apply(content, 0, plan), None
    except RecordHubError as exc:
        expected, expected_error = None, type(exc)
    answered = None
    try:
        if read_back:
            answered = await apply_plan_and_read(db, scope, record_id, plan, last)
        else:
            await apply_plan(db, scope, record_id, plan)
        error = None
    except RecordHubError as exc:
        error = exc
    stored = await get_record(db, scope, record_id)
    if answered is not None:
        assert answered == stored, (plan, content)
        assert model.canonical(answered.data) == model.canonical(stored.data)
    if last is not None and (kept := last.known(key)) is not None:
        # What the next write would start from is the record exactly as stored.
        assert kept == await records_of(db, scope).find_one({"_id": key[1]}), (plan, content)
    if expected_error is not None:
        # The model names the category (Invalid or PreconditionFailed, siblings); the engine
        # raises a subclass that names the condition (KindMismatch, LimitExceeded, ...).
        assert isinstance(error, expected_error), (plan, content, error)
        assert model.canonical(stored.data) == model.canonical(content)
        assert stored.rev == 0
    else:
        assert error is None, (plan, content, error)
        assert answered is not None or not read_back
        assert model.canonical(stored.data) == model.canonical(expected), (plan, content)
        assert stored.rev == 1


nested_objects = st.dictionaries(
    keys,
    st.recursive(scalars, lambda inner: st.dictionaries(keys, inner, max_size=3), max_leaves=10),
    max_size=3,
)


@st.composite
def merges(draw: st.DrawFn) -> tuple[dict, Merge]:
    content = draw(nested_objects)
    return content, Merge(draw(patches(content)))


@examples(40)
@given(case=merges())
async def test_deep_merges_agree_with_the_reference_model(engine_db, scope, case):
    content, merge = case
    record_id = uuid.uuid4().hex
    await create_record(engine_db, scope, record_id, content)
    await apply_plan(engine_db, scope, record_id, Plan([merge]))
    stored = await get_record(engine_db, scope, record_id)
    expected = model.apply(content, 0, Plan([merge]))
    assert model.canonical(stored.data) == model.canonical(expected), (content, merge)


@examples(15)
@given(case=merges())
async def test_deep_merges_of_many_paths_agree_with_the_reference_model(engine_db, scope, case):
    """Past MAX_OPERATOR_PATHS a merge that reads back is computed here from the record as
    read and written whole (`render_swap`); the same result as the model's."""
    content, merge = case
    padding = {f"pad{i}": {"n": i} for i in range(MAX_OPERATOR_PATHS)}
    patch = Merge({**padding, **merge.document})
    record_id = uuid.uuid4().hex
    await create_record(engine_db, scope, record_id, content)
    stored = await apply_plan_and_read(engine_db, scope, record_id, Plan([patch]))
    expected = model.apply(content, 0, Plan([patch]))
    assert model.canonical(stored.data) == model.canonical(expected), (content, merge)
    again = await get_record(engine_db, scope, record_id)
    assert model.canonical(again.data) == model.canonical(expected)


@st.composite
def array_edits(draw: st.DrawFn) -> tuple[dict, Plan]:
    """Objects holding arrays, and plans adding to and removing from them (the pipeline
    form, which a read-back computes from the record as read), beside plain edits."""
    content = draw(st.dictionaries(keys, element_lists | values, max_size=4))
    array_paths = st.sampled_from(["a", "b", "$x", "a.b"]).map(lambda key: (key,))
    edited = draw(st.lists(array_paths, min_size=1, max_size=2, unique=True))
    ops: list = []
    for path in edited:
        ops += [Add(path, draw(element_lists)), Remove(path, draw(element_lists))]
    others = [(key,) for key in ("c", "%", "") if draw(st.booleans())]
    ops += [draw(st.sampled_from([Set(p, draw(values)), Unset(p)])) for p in others]
    limits = ()
    if draw(st.booleans()):
        limits = (Limit(draw(st.sampled_from(edited)), draw(st.integers(0, 5))),)
    rev = draw(st.sampled_from([None, None, 0, 1]))
    return content, Plan(draw(st.permutations(ops)), Preconditions(rev=rev, limits=limits))


@examples(60)
@given(case=array_edits())
async def test_array_edits_read_back_agree_with_the_reference_model(engine_db, scope, case):
    await agrees_with_model(engine_db, scope, *case, read_back=True)
