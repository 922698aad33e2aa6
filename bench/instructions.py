"""Instructions per request, counted by valgrind's callgrind: the same on every run to about
1%, where this machine's CPU seconds drift by up to 1.5x within minutes.

    python -m bench.instructions [--only "rested PUT"] [--requests 600] [--concurrency 1 16]
                                 [--baseline REV] [--floor-driver pymongo|motor|pymongo-uvloop]

Each target (the floor, the baseline at REV when given, RecordHub) is started in turn under
callgrind with counting off, warmed up, counted over a fixed number of requests of one
workload at one concurrency (`callgrind_control -i on`, then off), and stopped. The workloads
and their provisioning are the HTTP benchmark's (bench/workloads.py, bench/targets.py); the
database runs outside valgrind. A run of the rested PUTs at two concurrencies takes about
five minutes. The report goes to stdout. `--floor-driver` runs the floor as `python -m bench`
does (bench/floor.py).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import targets as T
from bench.floor import DEFAULT_DRIVER, DRIVERS
from bench.http import run_requests
from bench.workloads import Workload, workloads

CALLGRIND = ["valgrind", "--tool=callgrind", "--instr-atstart=no"]
STARTUP_SECONDS = 240  # RecordHub starts in about 30 s under valgrind


def _control(*args: object) -> None:
    """callgrind_control: switch counting on or off in a process, or dump its counts."""
    command = ["callgrind_control", *map(str, args)]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def total_of(profile: Path) -> int:
    """The instructions a callgrind dump counted (its `totals:` line; `summary:` stays 0
    when counting was switched on and off by callgrind_control)."""
    for line in profile.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {profile}")


def count(
    uri: str,
    workload: Workload,
    target: str,
    requests: int,
    concurrency: int,
    workdir: Path,
    source: Path | None = None,
    floor_driver: str = DEFAULT_DRIVER,
) -> float:
    """Instructions per request of `target` ("floor" on `floor_driver`, or a RecordHub from
    `source`)."""
    out = workdir / f"callgrind.{target}.{concurrency}.out"
    wrapper = [*CALLGRIND, f"--callgrind-out-file={out}"]
    kind = "floor" if target == "floor" else "recordhub"
    serving = T.serving(
        uri,
        target,
        source=source,
        wrapper=wrapper,
        startup=STARTUP_SECONDS,
        floor_driver=floor_driver,
    )
    with serving as (process, base):
        run_requests(workload, base, kind, max(100, requests // 4), concurrency)  # warm-up
        _control("-i", "on", process.pid)
        done = run_requests(workload, base, kind, requests, concurrency)
        _control("-i", "off", process.pid)
        _control("-d", process.pid)
    dumps = sorted(workdir.glob(out.name + ".*"))  # the dump above; the exit's counts nothing
    return sum(total_of(dump) for dump in dumps) / done


def run(
    only: str | None,
    requests: int,
    concurrencies: tuple[int, ...],
    baseline: str | None,
    floor_driver: str = DEFAULT_DRIVER,
) -> list[dict[str, Any]]:
    rows = []
    with T.prepared(max(concurrencies)) as ready:
        uri, workdir = ready.uri, ready.workdir
        old = T.export(T.resolve(baseline), workdir / "baseline") if baseline else None
        chosen = [w for w in workloads({"recordhub": ready.ids}) if (only or "") in w.name]
        for workload in chosen:
            for concurrency in concurrencies:
                row: dict[str, Any] = {"workload": workload.name, "concurrency": concurrency}
                row["floor"] = count(
                    uri, workload, "floor", requests, concurrency, workdir, None, floor_driver
                )
                if old is not None:
                    # The baseline serves from the same database as this tree: the
                    # records provisioned above are its records too.
                    row["baseline"] = count(
                        uri, workload, "baseline", requests, concurrency, workdir, old
                    )
                row["recordhub"] = count(uri, workload, "recordhub", requests, concurrency, workdir)
                rows.append(row)
    return rows


def render(rows: list[dict[str, Any]], requests: int) -> str:
    with_baseline = any("baseline" in row for row in rows)
    head = "| workload | conc. | floor | " + ("baseline | " if with_baseline else "")
    head += "RecordHub | RH / floor |" + (" RH / baseline |" if with_baseline else "")
    lines = [
        f"Instructions per request (callgrind, {requests} requests a cell, counted after a "
        "warm-up).",
        "",
        head,
        "|" + "---|" * (head.count("|") - 1),
    ]
    for row in rows:
        cells = [row["workload"], str(row["concurrency"]), f"{row['floor']:,.0f}"]
        if with_baseline:
            cells.append(f"{row['baseline']:,.0f}")
        cells += [f"{row['recordhub']:,.0f}", f"{row['recordhub'] / row['floor']:.2f}x"]
        if with_baseline:
            cells.append(f"{row['recordhub'] / row['baseline']:.3f}x")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions")
    parser.add_argument("--only", help="the workloads whose name contains this text")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--baseline", metavar="REV", help="also count RecordHub as at REV")
    parser.add_argument("--floor-driver", choices=DRIVERS, default=DEFAULT_DRIVER)
    args = parser.parse_args()
    concurrencies = tuple(args.concurrency)
    rows = run(args.only, args.requests, concurrencies, args.baseline, args.floor_driver)
    sys.stdout.write(render(rows, args.requests))
    return 0


if __name__ == "__main__":
    sys.exit(main())
