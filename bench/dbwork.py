"""The database's instructions per one-record update, by the shape of the update: what each
field of a filter, each field of a document and each index costs the embedded database.

    python -m bench.dbwork [--updates 200]

SecantusDB runs under callgrind (counting off; `callgrind_control` switches it on around
each shape's updates), so the figures are the same from run to run to about 1%, where the
database's CPU seconds drift by up to 1.5x. Each shape is the floor's or RecordHub's own
document, filter and update (bench/floor.py, service.store.records.selector): the floor's
`{_id}` filter on `{_id, data, rev}`; the JSONBin PUT of a held bin as it runs (`_id`
alone); its filter before bins were held, with its guards bare (as before 5151bf0), as
`selector` writes them, with none and with one of them (the first field
beyond `_id` costs most: it takes the database off its `_id`-only path), without the
`$unset` of `keysEscaped`, and with the three guards folded into one field the document
would carry (bench/results/guards.md); the HighLevel update's on its collection with and
without the search index. The report goes to stdout; a run takes about three minutes.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from bench.instructions import CALLGRIND, total_of
from service.core.compiler import compile_plan
from service.core.operations import Plan, Replace
from service.store.embedded import free_port, server_command, uri_for
from service.store.records import Scope, narrowed, new_document, selector, stored_id, stub

SMALL = {"sample": "Hello World", "items": list(range(20)), "nested": {"a": 1}}
HL_ORDER = [("project", 1), ("ns", 1), ("createdAt", -1), ("_id", -1)]  # the search index
Update = Callable[[int], dict[str, Any]]


def _floor_update(i: int) -> dict[str, Any]:
    changes = {"data": {**SMALL, "n": i}, "updatedAt": datetime.now(UTC)}
    return {"$set": changes, "$inc": {"rev": 1}}


def _replace(i: int) -> dict[str, Any]:  # a lone Replace, as the compiler renders it
    plan = Plan((Replace({**SMALL, "n": i}),))
    return compile_plan(plan, now=datetime.now(UTC)).update  # type: ignore[return-value]


def _replace_without_unset(i: int) -> dict[str, Any]:
    update = _replace(i)
    del update["$unset"]
    return update


def _highlevel(i: int) -> dict[str, Any]:  # the HighLevel update's swap, in operators
    changes = {"data.properties.status": "open", "data.properties.score": i}
    return {
        "$set": {**changes, "updatedAt": datetime.now(UTC)},
        "$addToSet": {"data.properties.options": "a"},
        "$inc": {"rev": 1},
    }


def shapes(client: MongoClient[Any]) -> dict[str, tuple[Any, dict[str, Any], Update]]:
    """Each shape's collection (with its document inserted), filter and update."""
    now = datetime.now(UTC)
    floor = client["floor"]["records"]
    floor.insert_one({"_id": "f1", "data": SMALL, "rev": 0})
    bins, project = Scope("p1", "jsonbin", global_keys=True), "p1"
    guards = {"private": True, "schemaDocId": None}
    filtered = selector(bins, "b1", guards)
    bare = {"_id": filtered["_id"], "project": project, **guards}
    one_guard = {"_id": filtered["_id"], "private": filtered["private"]}
    records = client["rh"]["records"]
    meta = {"private": True, "name": None, "collectionId": None, "schemaDocId": None}
    records.insert_one(new_document(bins, "b1", SMALL, meta, now))
    # One field saying "private, schema-less, this project's" in place of three guards, on
    # a second bin of the same collection (a picker's cost depends on the collection).
    records.insert_one(new_document(bins, "b2", SMALL, {**meta, "plainOwner": project}, now))
    folded_guard = narrowed({"_id": stored_id(bins, "b2")}, {"plainOwner": project})
    # The PUT as it runs since bins are held (service.store.holding): the bin under its
    # project's `_id`, its stub beside it, the filter that `_id` alone.
    held = dataclasses.replace(bins, held=True)
    records.insert_many([new_document(held, "b3", SMALL, meta, now), stub(held, "b3")])
    indexed, plain = client["rh"]["objectrecords"], client["rh"]["unindexed"]
    indexed.create_index(HL_ORDER)
    for collection in (indexed, plain):
        collection.insert_many(
            {"_id": f"o{n}", "project": project, "ns": "co:ticket", "rev": 0}
            | {"data": {"properties": {}}, "createdAt": now, "updatedAt": now}
            for n in range(50)
        )
    return {
        "floor: {_id} on {_id, data, rev}": (floor, {"_id": "f1"}, _floor_update),
        "JSONBin PUT of a held bin, as it runs": (records, selector(held, "b3"), _replace),
        "JSONBin PUT, guards bare": (records, bare, _replace),
        "JSONBin PUT, guards as selector writes them (before bins were held)": (
            records,
            filtered,
            _replace,
        ),
        "JSONBin PUT document, {_id} alone": (records, {"_id": filtered["_id"]}, _replace),
        "JSONBin PUT document, {_id} and one guard": (records, one_guard, _replace),
        "JSONBin PUT, guards as selector writes them, no $unset": (
            records,
            filtered,
            _replace_without_unset,
        ),
        "JSONBin PUT document, {_id} alone, no $unset": (
            records,
            {"_id": filtered["_id"]},
            _replace_without_unset,
        ),
        "JSONBin PUT, guards folded into one field, no $unset": (
            records,
            folded_guard,
            _replace_without_unset,
        ),
        "HighLevel update, search index": (indexed, {"_id": "o1"}, _highlevel),
        "HighLevel update, no index": (plain, {"_id": "o1"}, _highlevel),
    }


def _control(pid: int, *args: str) -> None:
    command = ["callgrind_control", *args, str(pid)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def run(updates: int) -> list[tuple[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        port, out = free_port(), Path(tmp) / "callgrind.out"
        server = [server_command(), "--host", "127.0.0.1", "--port", str(port)]
        server += ["--storage-path", f"{tmp}/db", "--sync-on-commit", "--log-level", "WARNING"]
        process = subprocess.Popen(
            [*CALLGRIND, f"--callgrind-out-file={out}", sys.executable, *server],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        rows = []
        try:
            client: MongoClient[Any] = MongoClient(
                uri_for("127.0.0.1", port), serverSelectionTimeoutMS=240_000
            )
            client.admin.command("ping")
            for name, (collection, query, update) in shapes(client).items():
                for i in range(20):  # warm-up
                    collection.update_one(query, update(i))
                before = set(Path(tmp).glob(out.name + ".*"))
                _control(process.pid, "-z")
                _control(process.pid, "-i", "on")
                for i in range(updates):
                    if not collection.update_one(query, update(i)).matched_count:
                        raise RuntimeError(f"{name}: the filter missed")
                _control(process.pid, "-i", "off")
                _control(process.pid, "-d")
                time.sleep(1)  # the dump is written asynchronously
                dumps = set(Path(tmp).glob(out.name + ".*")) - before
                rows.append((name, sum(total_of(dump) for dump in dumps) / updates))
        finally:
            process.terminate()
            process.wait(120)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dbwork")
    parser.add_argument("--updates", type=int, default=200)
    args = parser.parse_args()
    rows = run(args.updates)
    floor = rows[0][1]
    print(f"Database instructions per update ({args.updates} updates a shape, callgrind)\n")
    print("| shape | instructions | vs floor |\n|---|---|---|")
    for name, count in rows:
        print(f"| {name} | {count:,.0f} | {count / floor:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
