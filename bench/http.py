"""HTTP benchmark: RecordHub against the floor of our own stack, side by side in one run.

One embedded database; the floor app (bench/floor.py), RecordHub (`python -m service`) and,
with a baseline revision, RecordHub as it was then, as separate processes (bench/targets.py);
the load generator (bench/load.py) as one more. For every workload and concurrency:
requests/s, p50/p99, errors, service CPU per request (utime+stime from /proc), database CPU
per request, and database round trips per request (the server's opcounters). Ratios are
RecordHub / floor (and RecordHub / baseline) measured in the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from bench.floor import DEFAULT_DRIVER
from bench.targets import (
    Target,
    describe_tree,
    export,
    prepare,
    prepare_floor,
    resolve,
    start_targets,
    stop,
)
from bench.workloads import Workload, workloads
from service.store.embedded import EmbeddedDatabase

ROUNDS = 8  # alternating slices per cell, so noise falls on every target alike
TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")


def cpu_us(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        parts = stat.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) * TICK_US


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def data_ops(client: MongoClient[Any]) -> int:
    counters = client.admin.command("serverStatus")["opcounters"]
    return sum(counters[k] for k in ("insert", "query", "update", "delete", "getmore"))


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """One run of the load generator (bench.load) in its own process; its result."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


def run_requests(
    workload: Workload, base: str, target: str, requests: int, concurrency: int
) -> int:
    """Run `requests` requests of `workload` against `base`; how many completed."""
    paths, headers = workload.calls[target]
    spec = {
        "method": workload.method,
        "urls": [base + path for path in paths],
        "headers": headers,
        "body": workload.body,
        "concurrency": concurrency,
        "seconds": 3600,
        "max_requests": requests,
    }
    result = run_load(spec)
    if result["errors"]:
        raise RuntimeError(f"{workload.name} on {target}: {result['errors']} errors")
    return int(result["requests"])


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(p * len(values)))], 2)


def measure_pair(
    targets: list[Target],
    workload: Workload,
    concurrency: int,
    seconds: float,
    rounds: int,
    db: EmbeddedDatabase,
    client: MongoClient[Any],
) -> dict[str, dict[str, Any]]:
    """Run the targets in alternation, `rounds` slices each, so that the machine's noise
    falls on all alike; sum the slices per target. Only the targets the workload applies
    to run it: the others have no cell in its rows."""
    assert db.process is not None
    targets = [t for t in targets if t.name in workload.calls]
    totals: dict[str, dict[str, Any]] = {
        t.name: {
            "requests": 0,
            "errors": 0,
            "seconds": 0.0,
            "cpu": 0.0,
            "db": 0.0,
            "ops": 0,
            "lat": [],
        }
        for t in targets
    }
    for _ in range(rounds):
        for target in targets:
            paths, headers = workload.calls[target.name]
            spec = {
                "method": workload.method,
                "urls": [target.base + p for p in paths],
                "headers": headers,
                "body": workload.body,
                "concurrency": concurrency,
                "seconds": seconds / rounds,
                "raw": True,
            }
            cpu0, db0 = cpu_us(target.process.pid), cpu_us(db.process.pid)
            ops0 = data_ops(client)
            result = run_load(spec)
            acc = totals[target.name]
            acc["cpu"] += cpu_us(target.process.pid) - cpu0
            acc["db"] += cpu_us(db.process.pid) - db0
            # Each data operation is one round trip; the opcounter reads are commands.
            acc["ops"] += data_ops(client) - ops0
            for key in ("requests", "errors", "seconds"):
                acc[key] += result[key]
            acc["lat"].extend(result["latencies_ms"])
    out = {}
    for name, acc in totals.items():
        done = max(acc["requests"], 1)
        lat = sorted(acc["lat"])
        out[name] = {
            "requests": acc["requests"],
            "errors": acc["errors"],
            "rps": round(acc["requests"] / acc["seconds"], 1),
            "p50_ms": _percentile(lat, 0.50),
            "p99_ms": _percentile(lat, 0.99),
            "cpu_us": round(acc["cpu"] / done, 1),
            "db_cpu_us": round(acc["db"] / done, 1),
            "round_trips": round(acc["ops"] / done, 2),
        }
    return out


def memory_check(service: Target, keys: dict[str, str], bin_id: str, count: int) -> dict[str, Any]:
    """Peak RSS of the service after `count` PUTs of 100 KB bodies (bodies must not stay)."""
    body = json.dumps({"blob": "x" * (100 * 1024 - 20)})
    spec = {
        "method": "PUT",
        "urls": [f"{service.base}/v3/b/{bin_id}"],
        "headers": keys,
        "body": body,
        "concurrency": 16,
        "seconds": 600,
        "max_requests": count,
    }
    before = peak_rss_mb(service.process.pid)
    result = run_load(spec)
    return {
        "puts": result["requests"],
        "errors": result["errors"],
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_after_mb": round(peak_rss_mb(service.process.pid), 1),
    }


def _measure(
    plan: list[Workload],
    targets: list[Target],
    concurrencies: tuple[int, ...],
    seconds: float,
    db: EmbeddedDatabase,
    client: MongoClient[Any],
) -> None:
    """Every workload's results: one row per concurrency, a cell per target."""
    for workload in plan:
        for concurrency in concurrencies:
            cells = measure_pair(targets, workload, concurrency, seconds, ROUNDS, db, client)
            workload.results.append({"concurrency": concurrency, **cells})


def run(
    seconds: float,
    concurrencies: tuple[int, ...],
    memory_puts: int,
    only: str | None = None,
    baseline: str | None = None,
    floor_driver: str = DEFAULT_DRIVER,
) -> dict[str, Any]:
    """Every workload (or those whose name contains `only`) at every concurrency, against
    the floor (on `floor_driver`) and RecordHub, and the baseline too when a revision is
    given."""
    workers = max(concurrencies)
    with tempfile.TemporaryDirectory() as tmp:
        # Resolved and exported before anything starts, so a bad revision fails at once.
        baseline = resolve(baseline) if baseline else None
        source = export(baseline, Path(tmp, "baseline")) if baseline else None
        db = EmbeddedDatabase(storage=f"{tmp}/db")
        uri = db.start()
        client: MongoClient[Any] = MongoClient(uri)
        try:
            targets = start_targets(uri, source, floor_driver)
            try:
                given = {n: prepare(t, workers) for n, t in targets.items() if n != "floor"}
                prepare_floor(client, given["recordhub"])
                plan = workloads(given)
                plan = [w for w in plan if only is None or only.lower() in w.name.lower()]
                _measure(plan, list(targets.values()), concurrencies, seconds, db, client)
                memory = None
                if memory_puts:
                    ids = given["recordhub"]
                    memory = memory_check(targets["recordhub"], ids.keys, ids.bins[0], memory_puts)
            finally:
                stop(targets)
        finally:
            # The database is stopped even when a target never came up.
            client.close()
            db.stop()
    return {
        "workloads": plan,
        "memory": memory,
        "baseline": baseline,
        "tree": describe_tree(),
        "floor_driver": floor_driver,
    }
