"""The benchmark report: every RecordHub figure beside the floor's, as ratios, with targets."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import Any

EVE_CPU_US = 5600.0  # Eve's single-field PATCH at concurrency 1, measured on this machine class


def _ratio(mine: float, floor: float) -> str:
    return f"{mine / floor:.2f}x" if floor else "n/a"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def render(result: dict[str, Any], seconds: float) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# RecordHub benchmark",
        "",
        f"Measured {now} on {platform.node() or 'this machine'} ({platform.machine()}, "
        f"{_cores()} cores, Python {platform.python_version()}), {seconds:g} s per cell, "
        "one embedded SecantusDB (`--sync-on-commit`) shared by the floor and RecordHub.",
        "",
        "CPU figures are microseconds of process CPU (utime+stime) per completed request; "
        "round trips are database data operations per request (server opcounters).",
        "",
    ]
    targets: list[str] = []
    for workload in result["workloads"]:
        lines += [f"## {workload.name}", "", f"Floor: {workload.floor_ops}. {workload.notes}", ""]
        lines += [
            "| conc. | req/s floor | req/s RH | p50 ms floor / RH | p99 ms floor / RH "
            "| p99 ratio | CPU µs floor | CPU µs RH | CPU ratio | DB CPU µs floor / RH "
            "| round trips floor / RH | errors floor / RH |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for row in workload.results:
            f, r = row["floor"], row["recordhub"]
            lines.append(
                f"| {row['concurrency']} | {f['rps']} | {r['rps']} | {f['p50_ms']} / {r['p50_ms']} "
                f"| {f['p99_ms']} / {r['p99_ms']} | {_ratio(r['p99_ms'], f['p99_ms'])} "
                f"| {f['cpu_us']} | {r['cpu_us']} | {_ratio(r['cpu_us'], f['cpu_us'])} "
                f"| {f['db_cpu_us']} / {r['db_cpu_us']} | {f['round_trips']} / {r['round_trips']} "
                f"| {f['errors']} / {r['errors']} |"
            )
        lines.append("")
        targets += _targets(workload)
    memory = result.get("memory")
    if memory:
        ok = memory["peak_rss_after_mb"] < 150 and memory["errors"] == 0
        targets.append(
            f"- Memory: peak RSS {memory['peak_rss_after_mb']} MB after {memory['puts']} PUTs "
            f"of 100 KB ({memory['errors']} errors), target < 150 MB: {_verdict(ok)}"
        )
    lines += ["## Targets", "", *targets, ""]
    return "\n".join(lines)


def _targets(workload: Any) -> list[str]:
    out = []
    by_conc = {row["concurrency"]: row for row in workload.results}
    errors = sum(row["recordhub"]["errors"] for row in workload.results)
    out.append(
        f"- {workload.name}: errors at every concurrency = {errors}: {_verdict(errors == 0)}"
    )
    if 1 in by_conc:
        mine = by_conc[1]["recordhub"]["cpu_us"]
        out.append(
            f"- {workload.name}: CPU/request at c=1 {mine} µs <= 1/3 of Eve's {EVE_CPU_US:.0f} µs: "
            f"{_verdict(mine <= EVE_CPU_US / 3)}"
        )
        if workload.name in ("JSONBin PUT unversioned", "HighLevel update"):
            floor = by_conc[1]["floor"]["cpu_us"]
            out.append(
                f"- {workload.name}: CPU/request {_ratio(mine, floor)} of the floor's "
                f"(target <= 1.3x): {_verdict(mine <= 1.3 * floor)}"
            )
    if 64 in by_conc:
        f, r = by_conc[64]["floor"]["p99_ms"], by_conc[64]["recordhub"]["p99_ms"]
        out.append(
            f"- {workload.name}: p99 at c=64 {_ratio(r, f)} of the floor's (target <= 1.5x): "
            f"{_verdict(r <= 1.5 * f)}"
        )
    return out


def _cores() -> int:
    import os

    return os.cpu_count() or 0
