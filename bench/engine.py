"""Engine benchmark: round trips per call and costs that must not grow, on SecantusDB.

Run: `.venv/bin/python -m bench.engine` (about a minute). Starts its own embedded database,
counts commands with a pymongo CommandListener, times calls interleaved (A, B, A, B ...)
so that drift falls on both sides, and writes bench/results/engine.md.
"""

from __future__ import annotations

import asyncio
import json
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bson
from pymongo import AsyncMongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase

from service.core.documents import content_of
from service.core.fieldnames import prepare
from service.core.operations import Add, Inc, Plan, Remove, Replace, Set
from service.store.batches import Upsert, update_ids
from service.store.bulk import apply_all
from service.store.embedded import EmbeddedDatabase
from service.store.records import (
    Scope,
    apply_plan,
    apply_plan_and_read,
    create_record,
    now,
    selector,
    stored_id,
)
from service.store.versions import apply_versioned, slot_id

RESULTS = Path(__file__).parent / "results" / "engine.md"
SCOPE = Scope("bench", "things")
TIMED_CALLS = 300  # per side, interleaved
DEEP_HISTORY = 10_000
BIG_COLLECTION = 100_000
MAX_RATIO = 1.2
BATCH_ROWS = 10_000
BATCH_ROUND_TRIPS = 6

Call = Callable[[int], Awaitable[Any]]


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.count = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.count += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def interleaved(a: Call, b: Call, calls: int = TIMED_CALLS) -> tuple[float, float]:
    """Median milliseconds of `a` and of `b`, called alternately."""
    times: tuple[list[float], list[float]] = ([], [])
    for i in range(calls):
        for side, call in enumerate((a, b)):
            start = time.perf_counter()
            await call(i)
            times[side].append((time.perf_counter() - start) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


async def fill_records(db: AsyncDatabase, count: int) -> None:
    moment = now()
    base = {"project": SCOPE.project, "ns": SCOPE.ns, "rev": 0, "version": 0}
    base |= {"createdAt": moment, "updatedAt": moment}
    for start in range(0, count, 10_000):
        await db.records.insert_many(
            [
                {"_id": stored_id(SCOPE, f"r{i}"), "data": {"n": i, "tags": ["a", "b"]}, **base}
                for i in range(start, min(count, start + 10_000))
            ],
            ordered=False,
        )


async def deep_history(db: AsyncDatabase, bin_id: str, versions: int) -> None:
    """A bin whose live record says `versions` versions exist, all of them stored (beside
    it, as service.store.versions keeps them)."""
    await create_record(db, SCOPE, bin_id, {"v": versions})
    for start in range(1, versions + 1, 10_000):
        await db.records.insert_many(
            [
                {"_id": slot_id(SCOPE, bin_id, k), "project": SCOPE.project, "version": k}
                | {"data": {"v": k - 1}, "baseRev": k - 1, "createdAt": now()}
                for k in range(start, min(versions + 1, start + 10_000))
            ],
            ordered=False,
        )
    live = {"$set": {"version": versions, "rev": versions}}
    await db.records.update_one(selector(SCOPE, bin_id), live)


async def measure_round_trips(db: AsyncDatabase, counter: CommandCounter) -> list[Any]:
    await fill_records(db, 100)
    await create_record(db, SCOPE, "one", {"v": 0})
    await apply_versioned(db, SCOPE, "one", Plan([Replace({"v": 1})]))
    await deep_history(db, "deep", DEEP_HISTORY)
    ids = [f"r{i}" for i in range(100)]
    inc, replace = Plan([Inc(("n",), 1)]), Plan([Replace({"v": 2})])
    swap = Plan([Add(("tags",), ["c"]), Remove(("tags",), ["a"])])
    read_back = Plan([Set(("s",), 1)])
    # (name, round trips allowed, whether exactly that many is the target, the call)
    rows: list[tuple[str, int, bool, Callable[[], Awaitable[Any]]]] = [
        ("update, operator form", 1, True, lambda: apply_plan(db, SCOPE, "r1", inc)),
        ("update, add+remove pipeline form", 1, True, lambda: apply_plan(db, SCOPE, "r2", swap)),
        ("update returning the stored record", 2, False,
         lambda: apply_plan_and_read(db, SCOPE, "r3", read_back)),
        ("versioned update, 1 version stored", 2, False,
         lambda: apply_versioned(db, SCOPE, "one", replace)),
        (f"versioned update, {DEEP_HISTORY:,} versions stored", 2, False,
         lambda: apply_versioned(db, SCOPE, "deep", replace)),
        ("one plan on 100 ids, all apply", 2, False, lambda: update_ids(db, SCOPE, ids, inc)),
        ("one plan on 100 ids, one missing", 2, False,
         lambda: update_ids(db, SCOPE, [*ids[:99], "missing"], inc)),
    ]  # fmt: skip
    results = []
    for name, limit, exact, call in rows:
        before = counter.count
        await call()
        results.append((name, counter.count - before, limit, exact))
    return results


async def measure_growth(client: AsyncMongoClient, db: AsyncDatabase) -> list[Any]:
    def versioned(bin_id: str) -> Call:
        return lambda i: apply_versioned(db, SCOPE, bin_id, Plan([Replace({"i": i})]))

    def update(target: AsyncDatabase, size: int) -> Call:
        plan = Plan([Inc(("n",), 1), Set(("s",), "x")])
        return lambda i: apply_plan(target, SCOPE, f"r{(i * 7919) % size}", plan)

    def hundred(target: AsyncDatabase) -> Call:
        ids = [f"r{k}" for k in range(100)]
        return lambda i: update_ids(target, SCOPE, ids, Plan([Inc(("n",), 1)]))

    history = await interleaved(versioned("one"), versioned("deep"))
    small, big = client["bench_small"], client["bench_big"]
    await fill_records(small, 100)
    started = time.perf_counter()
    await fill_records(big, BIG_COLLECTION)
    filled = time.perf_counter() - started
    size = await interleaved(update(small, 100), update(big, BIG_COLLECTION))
    batch = await interleaved(hundred(small), hundred(big), calls=30)
    return [
        (f"versioned update: {DEEP_HISTORY:,} versions vs 1", history, True),
        (f"update: {BIG_COLLECTION:,} records vs 100 (filled in {filled:.0f} s)", size, True),
        (f"one plan on 100 ids: {BIG_COLLECTION:,} records vs 100", batch, False),
    ]


async def measure_batch(client: AsyncMongoClient, counter: CommandCounter) -> tuple[int, float]:
    """One all-or-nothing upsert of BATCH_ROWS rows, half of them present: (round trips, s)."""
    db = client["bench_batch"]
    await fill_records(db, BATCH_ROWS // 2)
    items = [Upsert(f"r{i}", Plan([Set(("n",), -i)])) for i in range(BATCH_ROWS)]
    before, started = counter.count, time.perf_counter()
    await apply_all(db, SCOPE, items)
    return counter.count - before, time.perf_counter() - started


def batch_lines(batch: tuple[int, float]) -> tuple[list[str], bool]:
    trips, seconds = batch
    met = trips <= BATCH_ROUND_TRIPS
    return [
        "",
        "## All-or-nothing batch (one call)",
        "",
        "| call | round trips | target | met | s | ms per row |",
        "|---|---|---|---|---|---|",
        f"| upsert of {BATCH_ROWS:,} rows, half present | {trips} | <= {BATCH_ROUND_TRIPS} "
        f"| {'yes' if met else 'NO'} | {seconds:.1f} | {seconds * 1000 / BATCH_ROWS:.2f} |",
    ], met


def measure_escaping() -> list[tuple[str, float]]:
    """CPU per call of the key rules on a ~100 KB content, against BSON-encoding it."""
    item = {"tags": ["a", "b"], "ok": True}
    plain = {f"item{i}": {"name": f"n{i}", "n": i, **item} for i in range(1500)}
    odd = {f"item.{i}": {"$name": f"n{i}", "n": i, **item} for i in range(1500)}
    kb = len(json.dumps(plain)) / 1024
    flagged = {"data": prepare(odd)[0], "keysEscaped": True}
    unflagged = {"data": plain}

    def best_of(fn: Callable[[], Any], n: int = 20) -> float:
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            for _ in range(n):
                fn()
            runs.append((time.perf_counter() - start) / n * 1e6)
        return min(runs)

    size = f"{kb:.0f} KB"
    return [
        (f"write: check only, no key needs escaping ({size})", best_of(lambda: prepare(plain))),
        (f"write: check and escape, every key needs it ({size})", best_of(lambda: prepare(odd))),
        (f"read: restore a flagged record ({size})", best_of(lambda: content_of(flagged))),
        (f"read: unflagged record, walk skipped ({size})", best_of(lambda: content_of(unflagged))),
        (f"for scale: bson.encode ({size})", best_of(lambda: bson.encode(unflagged))),
    ]


def report(
    trips: list[Any],
    growth: list[Any],
    batch: tuple[int, float],
    escaping: list[Any],
    version: str,
) -> bool:
    lines = [
        "# Engine benchmark",
        "",
        f"`python -m bench.engine`, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; SecantusDB {version}",
        f"(embedded, `:memory:`), Python {platform.python_version()}, {platform.machine()}.",
        f"Timings: median of {TIMED_CALLS} calls per side (30 for the 100-id rows), the two",
        "sides interleaved in the same run.",
        "",
        "## Round trips per call (commands seen by a CommandListener)",
        "",
        "| call | round trips | target | met |",
        "|---|---|---|---|",
    ]
    met_all = True
    for name, count, limit, exact in trips:
        met = count == limit if exact else count <= limit
        met_all &= met
        target = f"exactly {limit}" if exact else f"<= {limit}"
        lines.append(f"| {name} | {count} | {target} | {'yes' if met else 'NO'} |")
    lines += ["", "## Costs that must not grow", ""]
    lines += [
        "| comparison | small ms | large ms | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for name, (small, large), is_target in growth:
        ratio, met = large / small, large / small <= MAX_RATIO
        met_all &= met or not is_target
        verdict = ("yes" if met else "NO") if is_target else "(not a target)"
        target = f"<= {MAX_RATIO}" if is_target else "-"
        lines.append(f"| {name} | {small:.2f} | {large:.2f} | {ratio:.2f} | {target} | {verdict} |")
    more, met = batch_lines(batch)
    lines += more
    met_all &= met
    lines += ["", "## Key escaping (CPU per call, best of 5)", "", "| step | us |", "|---|---|"]
    lines += [f"| {name} | {us:.0f} |" for name, us in escaping]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join([*lines, ""]))
    print("\n".join(lines))
    return met_all


async def main() -> bool:
    server = EmbeddedDatabase(storage=":memory:")
    await server.start_async()
    counter = CommandCounter()
    client: AsyncMongoClient = AsyncMongoClient(
        server.uri, event_listeners=[counter], tz_aware=True
    )
    try:
        db = client["bench_engine"]
        version = (await client.server_info()).get("version", "?")
        trips = await measure_round_trips(db, counter)
        growth = await measure_growth(client, db)
        batch = await measure_batch(client, counter)
        return report(trips, growth, batch, measure_escaping(), version)
    finally:
        await client.close()
        await server.stop_async()


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(main()) else 1)
