"""The compiler turns plans into one operator document or one pipeline, and refuses overlaps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.core.compiler import _compile_general, compile_plan
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
from service.errors import Invalid
from tests.unit.core.test_fieldnames import json_values

NOW = datetime(2024, 5, 1, tzinfo=UTC)
OBJECT_ONLY = {"$exists": True, "$not": {"$type": ["array", "bool", "null", "number", "string"]}}


def compiled(*operations, **preconditions):
    return compile_plan(Plan(operations, Preconditions(**preconditions)), now=NOW)


def test_set_becomes_dotted_set_with_rev_bump_and_timestamp():
    update = compiled(Set(("a", "b"), 5)).update
    assert update == {"$set": {"data.a.b": 5, "updatedAt": NOW}, "$inc": {"rev": 1}}


def test_unset_inc_add_remove_on_distinct_paths_share_one_operator_document():
    update = compiled(
        Unset(("u",)), Inc(("n",), 2), Add(("tags",), ["x", "x", "y"]), Remove(("old",), [1])
    ).update
    assert update["$unset"] == {"data.u": ""}
    assert update["$inc"] == {"data.n": 2, "rev": 1}
    assert update["$addToSet"] == {"data.tags": {"$each": ["x", "y"]}}
    assert update["$pull"] == {"data.old": {"$in": [1]}}


def test_replace_sets_whole_content_and_records_whether_keys_were_escaped():
    update = compiled(Replace([1, {"a.b": 2}])).update
    assert update["$set"]["data"] == [1, {"a%2Eb": 2}]
    assert update["$set"]["keysEscaped"] is True
    plain = compiled(Replace("text")).update
    assert "keysEscaped" not in plain["$set"]
    assert plain["$unset"] == {"keysEscaped": ""}  # removed, not stored as false


@given(json_values, st.none() | st.integers(1, 10**6), st.sampled_from([Replace, ReplaceSameKind]))
def test_a_lone_replace_compiles_to_exactly_what_the_general_path_renders(content, version, op):
    plan = Plan((op(content),))
    fast = compile_plan(plan, now=NOW, version=version)
    general = _compile_general(plan, now=NOW, write_id=None, version=version)
    assert fast == general
    assert list(fast.update["$set"]) == list(general.update["$set"])  # field order too


def test_replace_has_no_kind_guard_but_replace_same_kind_filters_on_stored_kind():
    assert compiled(Replace({"a": 1})).filter == {}
    assert compiled(ReplaceSameKind([1, 2])).filter == {"data": {"$type": "array"}}
    assert compiled(ReplaceSameKind("s")).filter == {
        "data": {"$exists": True, "$not": {"$type": ["array", "bool", "null", "number", "object"]}}
    }


def test_path_operations_guard_root_object_and_every_intermediate_object_or_missing():
    filt = compiled(Set(("a", "b", "c"), 1)).filter
    object_or_missing = {"$not": {"$type": ["array", "bool", "null", "number", "string"]}}
    assert filt == {"data": OBJECT_ONLY, "data.a": object_or_missing, "data.a.b": object_or_missing}


def test_add_target_may_be_array_or_missing_through_a_nested_not():
    filt = compiled(Add(("a",), [1])).filter
    barred = ["bool", "null", "number", "object", "string"]
    assert filt["data.a"] == {"$not": {"$type": barred, "$not": {"$type": "array"}}}


def test_inc_target_must_be_number_or_missing():
    filt = compiled(Inc(("n",), 1.5)).filter
    assert filt["data.n"] == {"$not": {"$type": ["array", "bool", "null", "object", "string"]}}


def test_expected_revision_and_kind_join_the_filter():
    filt = compiled(Set(("a",), 1), rev=7, kind=Kind.OBJECT).filter
    assert filt["rev"] == 7
    assert filt["data"] == OBJECT_ONLY


def test_contradictory_guards_compile_to_a_filter_that_matches_nothing():
    filt = compiled(Set(("a",), 1), kind=Kind.ARRAY).filter
    assert filt["data"] == {"$in": []}


def test_odd_keys_in_paths_and_values_are_escaped_reversibly():
    update = compiled(Set(("$x", "a.b", ""), {"%": 1})).update
    assert update["$set"]["data.%24x.a%2Eb.%"] == {"%25": 1}
    assert update["$set"]["keysEscaped"] is True


def test_plain_keys_do_not_mark_the_record_as_escaped():
    assert "keysEscaped" not in compiled(Set(("a",), {"b": 1})).update["$set"]


@pytest.mark.parametrize(
    "operations",
    [
        (Set(("a",), 1), Set(("a",), 2)),
        (Set(("a",), 1), Unset(("a",))),
        (Set(("a",), {}), Set(("a", "b"), 1)),
        (Inc(("a", "b"), 1), Unset(("a",))),
        (Add(("a",), [1]), Add(("a",), [2])),
        (Add(("a",), [1]), Set(("a", "0"), 2)),
        (Replace({}), Set(("a",), 1)),
        (Merge({"a": 1}), Unset(("b",))),
    ],
)
def test_overlapping_paths_are_refused_before_reaching_the_database(operations):
    with pytest.raises(Invalid) as caught:
        compiled(*operations)
    assert caught.value.code == "overlap"


def test_add_and_remove_on_one_path_become_one_pipeline_stage_removing_first():
    update = compiled(Add(("f",), ["a", "a"]), Remove(("f",), ["b"])).update
    assert isinstance(update, list) and len(update) == 1
    expression = update[0]["$set"]["data.f"]["$let"]
    kept = expression["vars"]["kept"]["$filter"]
    assert kept["input"] == {"$ifNull": ["$data.f", []]}
    assert {"$in": ["$$this", {"$literal": ["b"]}]} in kept["cond"]["$not"][0]["$or"]
    fresh = expression["in"]["$concatArrays"][1]["$filter"]
    assert fresh["input"] == {"$literal": ["a"]}  # duplicates dropped before sending


def test_limit_compiles_to_all_or_nothing_pipeline_with_restore_stage():
    c = compiled(Add(("f",), ["a"]), limits=(Limit(("f",), 10),))
    stages = c.update
    assert stages[0]["$set"]["__rh"]["pre"] == "$$ROOT"
    checks = stages[1]["$set"]["__rh.ok"]["$and"]
    assert checks == [{"$lte": [{"$size": {"$ifNull": ["$__rh.v0", []]}}, 10]}]
    assert stages[2]["$set"]["data.f"] == "$__rh.v0"
    assert stages[-2] == {"$replaceWith": {"$cond": ["$__rh.ok", "$$ROOT", "$__rh.pre"]}}
    assert stages[-1] == {"$unset": "__rh"}
    assert c.limit_failure().code == "limit_exceeded"


def test_pipeline_wraps_every_value_in_literal_and_sends_unsets_to_an_unset_stage():
    stages = compiled(
        Add(("f",), [1]), Remove(("f",), [2]), Set(("s",), "$notafield"), Unset(("u",))
    ).update
    assert stages[0]["$set"]["data.s"] == {"$literal": "$notafield"}
    assert stages[0]["$set"]["rev"] == {"$add": ["$rev", 1]}
    assert stages[1] == {"$unset": ["data.u"]}


def test_flat_merge_is_dotted_set_under_an_object_guard():
    c = compiled(Merge({"a": 1, "b": [1], "c": None}))
    assert c.update["$set"] | {} == {"data.a": 1, "data.b": [1], "data.c": None, "updatedAt": NOW}
    assert c.filter == {"data": OBJECT_ONLY}


def test_nested_merge_uses_merge_objects_when_stored_value_is_an_object():
    stages = compiled(Merge({"o": {"p": {"q": 1}}, "s": 2})).update
    merged = stages[0]["$set"]["data.o"]["$cond"]
    assert merged[0] == {"$eq": [{"$type": "$data.o"}, "object"]}
    inner = merged[1]["$mergeObjects"]
    assert inner[0] == "$data.o"
    assert inner[1]["p"]["$cond"][1]["$mergeObjects"][0] == "$data.o.p"
    assert merged[2] == {"$literal": {"p": {"q": 1}}}
    assert stages[0]["$set"]["data.s"] == {"$literal": 2}


def test_nested_merge_also_has_a_dotted_form_guarded_by_the_objects_it_reaches_into():
    c = compiled(Merge({"o": {"p": {"q": 1}, "r": [2]}, "s": 2}))
    assert c.by_paths is not None
    guarded, update = c.by_paths
    assert update == {
        "$set": {"data.o.p.q": 1, "data.o.r": [2], "data.s": 2, "updatedAt": NOW},
        "$inc": {"rev": 1},
    }
    not_an_object = {"$not": {"$type": ["array", "bool", "null", "number", "string"]}}
    assert guarded == {"data": OBJECT_ONLY, "data.o": not_an_object, "data.o.p": not_an_object}


def test_a_dotted_merge_keeps_the_plans_preconditions_in_its_filter():
    c = compiled(Merge({"o": {"p": 1}}), rev=3, kind=Kind.OBJECT, meta={"owner": "u1"})
    assert c.by_paths is not None
    guarded, _ = c.by_paths
    assert guarded["rev"] == 3 and guarded["owner"] == "u1"
    assert guarded["data"] == OBJECT_ONLY  # the expected kind and the merge's own guard
    assert set(guarded) == {"data", "data.o", "rev", "owner"}


def test_no_dotted_merge_for_an_empty_object_an_escaped_key_or_a_flat_patch():
    assert compiled(Merge({"o": {"p": {}}})).by_paths is None  # keep an object, else replace
    assert compiled(Merge({"o": {"a.b": 1}})).by_paths is None
    assert compiled(Merge({"a": 1})).by_paths is None  # operators already


def test_past_max_operator_paths_a_body_is_written_as_a_pipeline():
    sets = [Set(("s", f"f{i}"), i) for i in range(MAX_OPERATOR_PATHS + 1)]
    assert isinstance(compiled(*sets[:-1]).update, dict)
    assert isinstance(compiled(*sets).update, list)
    flat = {f"k{i}": i for i in range(MAX_OPERATOR_PATHS + 1)}
    assert isinstance(compiled(Merge(flat)).update, list)
    nested = {f"k{i}": {"x": i} for i in range(MAX_OPERATOR_PATHS + 1)}
    big = compiled(Merge(nested))
    assert big.by_paths is None and big.swap is not None  # computed from the record as read
    del nested["k0"]
    small = compiled(Merge(nested))
    assert small.by_paths is not None and small.swap is None
    deep = compiled(Merge({"o": {f"k{i}": {"x": i} for i in range(MAX_OPERATOR_PATHS + 1)}}))
    assert deep.by_paths is None and deep.swap is not None  # leaves count, not top-level keys
    edits = [Add((f"a{i}",), [i]) for i in range(MAX_OPERATOR_PATHS)]
    many = compiled(*edits, Remove(("r",), [1]))
    assert isinstance(many.update, list) and many.swap is not None
    document = {"_id": "x", "data": {"r": [1, 2]}, "rev": 4}
    update, after = many.swapped(document)  # too many paths for operators: the content whole
    assert update == {"$set": {"data": after["data"], "updatedAt": NOW}, "$inc": {"rev": 1}}
    assert (after["data"]["r"], after["data"]["a7"], after["rev"]) == ([2], [7], 5)
    assert document == {"_id": "x", "data": {"r": [1, 2]}, "rev": 4}  # as read
    few = compiled(*edits[1:], Add(("r",), [1]), Remove(("r",), [1]))
    assert "data.r" in few.swapped(document)[0]["$set"]  # operators, path by path


def test_a_swapped_pipeline_is_rendered_only_when_asked_for():
    c = compiled(Add(("f",), ["a"]), Remove(("f",), ["b"]), Set(("s",), 1))
    assert c.swap is not None and c.rendered is None  # the store swaps first
    assert (
        c.update
        == _compile_general(
            Plan([Add(("f",), ["a"]), Remove(("f",), ["b"]), Set(("s",), 1)]),
            now=NOW,
            write_id=None,
            version=None,
            as_pipeline=True,
        ).update
    )
    assert c.rendered is c.update  # rendered once, then kept
    merge = compiled(Merge({"o": {"p": 1}}))
    assert merge.by_paths is not None and merge.rendered is None  # the dotted form first
    assert merge.update[0]["$set"]["data.o"]["$cond"][0] == {
        "$eq": [{"$type": "$data.o"}, "object"]
    }


def test_filter_conditions_are_made_only_when_asked_for():
    c = compiled(Add(("a", "f"), ["x"]), Remove(("a", "f"), ["y"]), rev=3)
    document = {"_id": "r", "rev": 3, "data": {"a": {"f": ["y", "z"]}}}
    update, _ = c.swapped(document)  # the swap is guarded by the revision it read
    assert update["$set"]["data.a.f"] == ["z", "x"] and c.conditions is None
    barred = ["bool", "null", "number", "object", "string"]
    array_or_missing = {"$not": {"$type": barred, "$not": {"$type": "array"}}}
    assert c.filter == {
        "data": OBJECT_ONLY,
        "data.a": {"$not": {"$type": ["array", "bool", "null", "number", "string"]}},
        "data.a.f": array_or_missing,
        "rev": 3,
    }
    assert c.conditions is c.filter  # made once, then kept


def test_write_id_is_remembered_in_both_forms():
    plain = compile_plan(Plan([Set(("a",), 1)]), now=NOW, write_id="w1").update
    assert plain["$push"] == {"recentWrites": {"$each": ["w1"], "$slice": -16}}
    piped = compile_plan(
        Plan([Add(("a",), [1]), Remove(("a",), [2])]), now=NOW, write_id="w1"
    ).update
    assert piped[0]["$set"]["recentWrites"]["$slice"][1] == -16


def test_version_counter_is_set_in_the_same_update():
    update = compile_plan(Plan([Replace({})]), now=NOW, version=4).update
    assert update["$set"]["version"] == 4


def test_meta_fields_are_set_beside_content_but_reserved_names_are_refused():
    update = compile_plan(Plan([], meta={"name": "x"}), now=NOW).update
    assert update["$set"]["name"] == "x"
    for name in ("rev", "data", "a.b", "$x", ""):
        with pytest.raises(Invalid):
            compile_plan(Plan([], meta={name: 1}), now=NOW)


@pytest.mark.parametrize(
    "limits",
    [
        (Limit(("f",), 3),),  # no add on f
        (Limit(("g",), 3), Limit(("g",), 4)),
    ],
)
def test_limits_need_exactly_one_add_on_their_path(limits):
    with pytest.raises(Invalid):
        compiled(Remove(("f",), [1]), Add(("g",), [1]), limits=limits)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Set("a.b", 1),
        lambda: Set((), 1),
        lambda: Set(("a", 1), 1),
        lambda: Add(("a",), "abc"),
        lambda: Inc(("a",), True),
        lambda: Merge([1]),
    ],
)
def test_malformed_operations_are_refused_on_construction(build):
    with pytest.raises(Invalid):
        build()


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**63, {1: "x"}, b"raw", {1, 2}])
def test_values_that_are_not_json_are_refused(value):
    with pytest.raises(Invalid) as caught:
        compiled(Set(("a",), [value]))
    assert caught.value.code == "invalid_value"


def test_content_nested_deeper_than_mongodb_allows_is_refused():
    deep: object = 1
    for _ in range(120):
        deep = {"k": deep}
    with pytest.raises(Invalid):
        compiled(Replace(deep))


def test_the_parts_of_a_path_are_kept_only_for_paths_of_bounded_length():
    from service.core import compiler

    short, long = ("kept", "a.b"), ("x" * (compiler.KEPT_PATH_CHARS + 1),)
    compiler._kept_path_parts.cache_clear()
    for _ in range(2):
        for path in (short, long):
            c = compiled(Set(path, 1), Add(("tags",), ["t"]))
            assert c.update["$set"][compiler.field_of(path)] == 1
    assert compiled(Set(short, 1)).update["$set"]["keysEscaped"] is True  # "a.b" escaped
    info = compiler._kept_path_parts.cache_info()
    assert info.currsize == 2 and info.hits > 0  # `short` and `tags`, never `long`
