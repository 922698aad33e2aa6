"""The seed's three strategies on every pair of JSON kinds, merge semantics, and concurrent
merges on one record, from one replica and from two."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from service.app import create_app
from service.config import Settings
from service.dialects.rested import messages
from tests.dialects.rested.conftest import ADMIN_TOKEN, Rested, as_json, refused

# One value of each JSON kind.
KINDS: dict[str, Any] = {
    "object": {"kept": 1, "nested": {"a": 1}},
    "array": [1, 2],
    "string": "text",
    "number": 4.5,
    "boolean": True,
    "null": None,
}
NEW: dict[str, Any] = {
    "object": {"nested": {"b": 2}, "added": [3]},
    "array": ["x"],
    "string": "other",
    "number": 7,
    "boolean": False,
    "null": None,
}


def expected(strategy: str, stored_kind: str, new_kind: str) -> Any:
    """What the record holds after the update, or None when it must be refused."""
    if strategy == "force":
        return ("ok", NEW[new_kind])
    if strategy == "replace":
        return ("ok", NEW[new_kind]) if stored_kind == new_kind else None
    if stored_kind == new_kind == "object":
        return ("ok", {"kept": 1, "nested": {"a": 1, "b": 2}, "added": [3]})
    return None


@pytest.mark.parametrize("stored_kind", list(KINDS))
@pytest.mark.parametrize("strategy", ["force", "merge", "replace"])
async def test_strategy_on_every_new_kind(rested, cars, strategy, stored_kind):
    """One record per case: created with the stored kind, updated once with each new kind;
    a refused update is a 400 that leaves the record as it was (read back to prove it)."""
    for new_kind, body in NEW.items():
        made = await rested.create(cars, KINDS[stored_kind])
        params = {"uniqueId": made["uniqueId"], "strategy": strategy}
        response = await rested.call("PUT", cars, params=params, **as_json(body))
        outcome = expected(strategy, stored_kind, new_kind)
        if outcome is None:
            wanted = messages.MERGE_OBJECTS if strategy == "merge" else messages.REPLACE_KIND
            await refused(response, 400, wanted)
            after = await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]})
            assert after["data"] == KINDS[stored_kind], (new_kind, after)
            assert after["updatedAt"] == made["updatedAt"]
        else:
            assert response.status == 200, (new_kind, await response.text())
            assert (await response.json())["data"] == outcome[1], new_kind


async def test_force_is_the_default_strategy(rested, cars):
    made = await rested.create(cars, {"a": 1})
    updated = await rested.ok("PUT", cars, params={"uniqueId": made["uniqueId"]}, json=[1])
    assert updated["data"] == [1]


async def test_merge_is_deep_replaces_arrays_and_stores_null(rested, cars):
    stored = {"a": {"b": {"c": 1, "d": 2}, "list": [1, 2, 3]}, "keep": "yes", "gone": 1}
    made = await rested.create(cars, stored)
    body = {"a": {"b": {"c": 10}, "list": [9]}, "gone": None, "new": {"deep": {"x": True}}}
    merged = await rested.ok(
        "PUT", cars, params={"uniqueId": made["uniqueId"], "strategy": "merge"}, json=body
    )
    assert merged["data"] == {
        "a": {"b": {"c": 10, "d": 2}, "list": [9]},
        "keep": "yes",
        "gone": None,
        "new": {"deep": {"x": True}},
    }


async def test_merge_keys_with_dots_and_dollars_stay_literal(rested, cars):
    made = await rested.create(cars, {"a": {"b": 1}, "$set": {"x": 1}})
    body = {"a.b": 2, "$set": {"y": 2}, "$inc": {"a": 5}, "a": {"c.d": 3}}
    merged = await rested.ok(
        "PUT", cars, params={"uniqueId": made["uniqueId"], "strategy": "merge"}, json=body
    )
    assert merged["data"] == {
        "a": {"b": 1, "c.d": 3},
        "$set": {"x": 1, "y": 2},
        "a.b": 2,
        "$inc": {"a": 5},
    }
    again = await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]})
    assert again["data"] == merged["data"]


async def test_a_merge_of_thousands_of_keys_lands_whole(rested, cars):
    """Past 128 paths the merge is computed from the record as read and written whole (the
    embedded database takes quadratic time over an operator update's paths)."""
    made = await rested.create(cars, {"k0": {"kept": 1}, "a.b": 1, "other": "x"})
    body = {f"k{i}": {"n": i} for i in range(5000)} | {"a.b": {"$x": 2}, "other": None}
    params = {"uniqueId": made["uniqueId"], "strategy": "merge"}
    merged = await rested.ok("PUT", cars, params=params, json=body)
    assert merged["data"] == body | {"k0": {"kept": 1, "n": 0}}
    again = await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]})
    assert again["data"] == merged["data"]
    deep = {"k1": {f"d{i}": i for i in range(3000)}}  # one key, thousands of leaves
    merged = await rested.ok("PUT", cars, params=params, json=deep)
    assert merged["data"]["k1"] == {"n": 1, **deep["k1"]}
    text = await rested.create(cars, "plain")
    into_text = await rested.call(
        "PUT", cars, params={"uniqueId": text["uniqueId"], "strategy": "merge"}, json=body
    )
    assert into_text.status == 400
    assert (await into_text.json())["message"] == messages.MERGE_OBJECTS


async def test_merge_with_data_only_answers_the_merged_data(rested, cars):
    made = await rested.create(cars, {"a": 1})
    params = {"uniqueId": made["uniqueId"], "strategy": "merge", "dataOnly": "true"}
    assert await rested.ok("PUT", cars, params=params, json={"b": 2}) == {"a": 1, "b": 2}


async def test_concurrent_merges_on_one_record_lose_no_field(rested, cars):
    made = await rested.create(cars, {"start": 0, "nested": {}})
    params = {"uniqueId": made["uniqueId"], "strategy": "merge", "dataOnly": "true"}
    writers = 24

    async def merge(n: int) -> int:
        body = {f"field{n}": n, "nested": {f"n{n}": n}}
        response = await rested.call("PUT", cars, params=params, json=body)
        return response.status

    statuses = await asyncio.gather(*(merge(n) for n in range(writers)))
    assert statuses == [200] * writers
    final = (await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]}))["data"]
    assert final == {
        "start": 0,
        "nested": {f"n{n}": n for n in range(writers)},
        **{f"field{n}": n for n in range(writers)},
    }


async def test_two_replicas_merging_one_record_in_turn_and_at_once_lose_no_field(
    rested, cars, aiohttp_client, database, dialect
):
    """Each replica remembers what its own writes left and, once a read shows a record
    quiet, starts the next write from it (service.store.lastwrites); the other replica's
    writes in between must make that guess miss, never land on a stale record."""
    app = create_app(Settings(admin_token=ADMIN_TOKEN), database=database, dialects=[dialect])
    other = Rested(await aiohttp_client(app), rested.project)
    made = await rested.create(cars, {"start": 0})
    params = {"uniqueId": made["uniqueId"], "strategy": "merge"}
    expected: dict[str, Any] = {"start": 0}
    for step, who in enumerate("AAAABAAABBAAAABA"):  # long runs: each replica trusts its memory
        body = {f"f{step}": step, "start": step}
        expected |= body
        answer = await (rested if who == "A" else other).ok("PUT", cars, params=params, json=body)
        assert answer["data"] == expected
    forced = await other.ok("PUT", cars, params={**params, "strategy": "force"}, json={"s": 1})
    assert forced["data"] == {"s": 1}
    writers = 16

    async def merge(n: int) -> int:
        body = {f"w{n}": n}
        response = await (rested if n % 2 else other).call("PUT", cars, params=params, json=body)
        return response.status

    assert await asyncio.gather(*(merge(n) for n in range(writers))) == [200] * writers
    final = (await rested.ok("GET", cars, params={"uniqueId": made["uniqueId"]}))["data"]
    assert final == {"s": 1, **{f"w{n}": n for n in range(writers)}}
