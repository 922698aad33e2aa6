"""Hot bin benchmark: versioned PUTs of N writers on ONE bin against N writers on N bins.

Run: `.venv/bin/python -m bench.hotbin [--seconds 8] [--writers 64] [--replicas 1 2]`.
Starts an embedded database and one `python -m service` per replica on it; the load
generator (bench/load.py) runs the two workloads in alternating slices, so machine noise
falls on both alike. Reports PUTs, succeeded, refused (any 4xx/5xx), requests/s, the
hot/spread ratio, and whether every success left exactly one version (versionCount);
writes bench/results/hotbin.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.http import run_load
from bench.targets import ADMIN_TOKEN, SMALL, request, start_service, wait_http
from service.store.embedded import EmbeddedDatabase, free_port

RESULTS = Path(__file__).parent / "results" / "hotbin.md"
SLICES = 4


def start_replica(uri: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = start_service(uri, "hotbin", port)
    base = f"http://127.0.0.1:{port}"
    wait_http(base + "/readyz")
    return process, base


def version_count(base: str, keys: dict[str, str], bin_id: str) -> int:
    found = request("GET", f"{base}/v3/b/{bin_id}/versions/count", headers=keys)
    return int(found["metadata"]["versionCount"])


def measure(bases: list[str], writers: int, seconds: float) -> dict[str, dict[str, Any]]:
    """Both workloads on fresh bins of a fresh project; totals per workload."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    project = request("POST", bases[0] + "/admin/projects", {"name": f"hotbin-{len(bases)}"}, admin)
    keys = {"X-Master-Key": project["masterKey"], "Content-Type": "application/json"}
    bins = [
        request("POST", bases[0] + "/v3/b", json.loads(SMALL), keys)["metadata"]["id"]
        for _ in range(writers + 1)
    ]
    hot, spread = bins[0], bins[1:]
    # Writer i talks to replica i % replicas, on the hot bin or on its own bin.
    urls = {
        "one bin": [f"{bases[i % len(bases)]}/v3/b/{hot}" for i in range(writers)],
        f"{writers} bins": [f"{bases[i % len(bases)]}/v3/b/{b}" for i, b in enumerate(spread)],
    }
    totals = {name: {"requests": 0, "errors": 0, "seconds": 0.0} for name in urls}
    for _ in range(SLICES):
        for name, targets in urls.items():
            spec = {
                "method": "PUT",
                "urls": targets,
                "headers": {**keys, "X-Bin-Versioning": "true"},
                "body": SMALL,
                "concurrency": writers,
                "seconds": seconds / SLICES,
            }
            result = run_load(spec)
            for key in totals[name]:
                totals[name][key] += result[key]
    versions = {
        "one bin": version_count(bases[0], keys, hot),
        f"{writers} bins": sum(version_count(bases[0], keys, b) for b in spread),
    }
    for name, acc in totals.items():
        acc["succeeded"] = acc["requests"] - acc["errors"]
        acc["rps"] = round(acc["requests"] / acc["seconds"], 1)
        acc["versions"] = versions[name]
    return totals


def run(seconds: float, writers: int, replicas: list[int]) -> dict[int, dict[str, Any]]:
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = EmbeddedDatabase(storage=f"{tmp}/db")
        uri = db.start()
        try:
            for count in replicas:
                services = [start_replica(uri) for _ in range(count)]
                try:
                    out[count] = measure([base for _, base in services], writers, seconds)
                finally:
                    for process, _ in services:
                        process.terminate()
                        process.wait(30)
        finally:
            db.stop()
    return out


def render(results: dict[int, dict[str, Any]], seconds: float, writers: int) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Hot bin benchmark",
        "",
        f"`python -m bench.hotbin`, {now}; {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; one embedded SecantusDB (`--sync-on-commit`). "
        f"{writers} closed-loop writers of versioned PUTs (`X-Bin-Versioning: true`), "
        f"{seconds:g} s per workload in {SLICES} alternating slices.",
        "",
        "| replicas | workload | PUTs | succeeded | refused | req/s | versions = successes |",
        "|---|---|---|---|---|---|---|",
    ]
    for replicas, totals in results.items():
        for name, acc in totals.items():
            exact = "yes" if acc["versions"] == acc["succeeded"] else f"NO ({acc['versions']})"
            lines.append(
                f"| {replicas} | {name} | {acc['requests']} | {acc['succeeded']} "
                f"| {acc['errors']} | {acc['rps']} | {exact} |"
            )
        hot, spread = (acc["rps"] for acc in totals.values())
        ratio = f"{hot / spread:.2f}" if spread else "n/a"
        lines.append(f"| {replicas} | ratio one bin / {writers} bins | | | | {ratio} | |")
    return "\n".join([*lines, ""])


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.hotbin")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--writers", type=int, default=64)
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    results = run(args.seconds, args.writers, args.replicas)
    text = render(results, args.seconds, args.writers)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    sys.stdout.write(text)
    refused = sum(acc["errors"] for totals in results.values() for acc in totals.values())
    inexact = any(
        acc["versions"] != acc["succeeded"]
        for totals in results.values()
        for acc in totals.values()
    )
    return 1 if refused or inexact else 0


if __name__ == "__main__":
    sys.exit(main())
