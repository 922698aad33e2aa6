"""The benchmark reports: every RecordHub figure beside the floor's, as ratios, with targets;
and, for a before/after run, the baseline's ratios beside RecordHub's, and RecordHub's
figures over the baseline's."""

from __future__ import annotations

import platform
from datetime import UTC, datetime
from typing import Any

from bench.floor import DRIVERS

EVE_CPU_US = 5600.0  # Eve's single-field PATCH at concurrency 1, measured on this machine class
# RecordHub / baseline above this reads as worse; below, as noise. A margin chosen by eye,
# not measured: check a regression it flags by running the workload again.
WORSE = 1.05
# The per-request costs a change is checked not to have raised, RecordHub over baseline.
COSTS = {"cpu_us": "CPU", "db_cpu_us": "DB CPU", "round_trips": "round trips"}


def _ratio(mine: float | None, floor: float | None) -> str:
    # None: a target without the cell (a baseline that cannot serve the workload).
    return f"{mine / floor:.2f}x" if mine is not None and floor else "n/a"


def _over(mine: float, base: float) -> float:
    # A baseline that did no work at all cannot vouch for RecordHub: read it as worse.
    return mine / base if base else float("inf")


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _preamble(title: str, seconds: float, shared_by: str, floor_driver: str) -> list[str]:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return [
        title,
        "",
        f"Measured {now} on {platform.node() or 'this machine'} ({platform.machine()}, "
        f"{_cores()} cores, Python {platform.python_version()}), {seconds:g} s per cell, "
        f"one embedded SecantusDB (`--sync-on-commit`) shared by {shared_by}.",
        "",
        "CPU figures are microseconds of process CPU (utime+stime) per completed request; "
        "round trips are database data operations per request (server opcounters). "
        f"The floor's driver: {DRIVERS[floor_driver]}.",
        "",
    ]


def render(result: dict[str, Any], seconds: float) -> str:
    lines = _preamble(
        "# RecordHub benchmark", seconds, "the floor and RecordHub", result["floor_driver"]
    )
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
        if workload.floor_cpu is not None:
            floor, factor = by_conc[1]["floor"]["cpu_us"], workload.floor_cpu
            out.append(
                f"- {workload.name}: CPU/request {_ratio(mine, floor)} of the floor's "
                f"(target <= {factor:g}x): {_verdict(mine <= factor * floor)}"
            )
    if 64 in by_conc:
        f, r = by_conc[64]["floor"]["p99_ms"], by_conc[64]["recordhub"]["p99_ms"]
        out.append(
            f"- {workload.name}: p99 at c=64 {_ratio(r, f)} of the floor's (target <= 1.5x): "
            f"{_verdict(r <= 1.5 * f)}"
        )
    return out


def render_ab(result: dict[str, Any], seconds: float) -> str:
    """Per cell, the baseline's and RecordHub's ratios to the floor (`base / RH`), then
    RecordHub over the baseline for the costs a change should not raise."""
    lines = _preamble(
        "# RecordHub benchmark: before/after",
        seconds,
        "the floor, the baseline and RecordHub",
        result["floor_driver"],
    )
    lines += [
        f"Baseline: RecordHub at `{result['baseline']}` (`git archive`); "
        f"RecordHub: this tree at `{result['tree']}`. Ratios to the floor are shown as "
        "baseline / RecordHub; RH / base is RecordHub's figure over the baseline's "
        "(below 1.00x: RecordHub costs less).",
        "",
    ]
    verdicts = []
    for workload in result["workloads"]:
        lines += [f"## {workload.name}", "", f"Floor: {workload.floor_ops}. {workload.notes}", ""]
        lines += [
            "| conc. | req/s floor / base / RH | CPU µs floor / base / RH | CPU ratio base / RH "
            "| DB CPU ratio base / RH | req/s ratio base / RH | p99 ratio base / RH "
            "| round trips ratio base / RH | RH / base CPU | RH / base DB CPU "
            "| RH / base round trips | errors floor / base / RH |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [_ab_row(row) for row in workload.results]
        lines.append("")
        verdicts.append(_before_after(workload))
    lines += ["## Before/after", "", *verdicts, ""]
    return "\n".join(lines)


def _ab_row(row: dict[str, Any]) -> str:
    # No baseline cell where its revision cannot serve the workload: "n/a" in its place.
    f, b, r = row["floor"], row.get("baseline", {}), row["recordhub"]

    def three(key: str) -> str:
        return f"{f[key]} / {b.get(key, 'n/a')} / {r[key]}"

    def to_floor(key: str) -> str:
        return f"{_ratio(b.get(key), f[key])} / {_ratio(r[key], f[key])}"

    return (
        f"| {row['concurrency']} | {three('rps')} | {three('cpu_us')} "
        f"| {to_floor('cpu_us')} | {to_floor('db_cpu_us')} | {to_floor('rps')} "
        f"| {to_floor('p99_ms')} | {to_floor('round_trips')} "
        + "".join(f"| {_ratio(r[key], b.get(key))} " for key in COSTS)
        + f"| {three('errors')} |"
    )


def _before_after(workload: Any) -> str:
    """The workload's worst RecordHub / baseline cost over its concurrencies, and errors."""
    if any("baseline" not in row for row in workload.results):
        errors = sum(row["recordhub"]["errors"] for row in workload.results)
        return f"- {workload.name}: n/a, the baseline cannot serve it; RecordHub errors {errors}"
    worst = {
        key: max(_over(row["recordhub"][key], row["baseline"][key]) for row in workload.results)
        for key in COSTS
    }
    errors = sum(row[t]["errors"] for row in workload.results for t in ("baseline", "recordhub"))
    shown = ", ".join(f"{label} {worst[key]:.2f}x" for key, label in COSTS.items())
    ok = all(ratio <= WORSE for ratio in worst.values()) and errors == 0
    return (
        f"- {workload.name}: RecordHub / baseline at worst {shown}; errors {errors}: "
        f"{'not worse' if ok else 'WORSE'} (margin {WORSE:.2f}x)"
    )


def _cores() -> int:
    import os

    return os.cpu_count() or 0
