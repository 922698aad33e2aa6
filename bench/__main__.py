"""`make bench`: the HTTP benchmark against the floor, then the engine and hot-bin ones.

python -m bench [--seconds 5] [--memory-puts 10000] [--skip-engine]
                [--concurrency 1 16 64] [--only "PUT unversioned"] [--baseline REV]
                [--floor-driver pymongo|motor|pymongo-uvloop]

Writes bench/results/latest.md (and a dated copy), then runs bench.engine and bench.hotbin.

With --baseline REV (a git commit, e.g. 48108f8), a before/after run: RecordHub as it was
at REV, exported with `git archive` into a temporary directory, is measured as a third
target in the same alternation as the floor and this tree's RecordHub; the report, with
RecordHub / baseline per cell, goes to bench/results/ab.md and latest.md is left as it is.
The memory check and the engine and hot-bin benchmarks are skipped in that mode. A workload
the baseline cannot serve (the rested PUTs, at a revision before the rested dialect) runs
without it, and its baseline cells read "n/a".

The floor runs on RecordHub's driver (PyMongo's asyncio API) and asyncio's own event loop;
`--floor-driver motor` puts it on motor, the driver of the issues' original floor, and
`--floor-driver pymongo-uvloop` on uvloop, the event loop RecordHub serves on.

With --only, the chosen workloads run alone and the report goes to stdout only (the
committed results, ab.md too, are left as they are).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import http, report
from bench.floor import DEFAULT_DRIVER, DRIVERS

RESULTS = Path(__file__).with_name("results")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--memory-puts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--only", help="run the workloads whose name contains this text")
    parser.add_argument("--baseline", metavar="REV", help="also measure RecordHub as at REV")
    parser.add_argument("--floor-driver", choices=DRIVERS, default=DEFAULT_DRIVER)
    args = parser.parse_args()
    # The memory check is a target of RecordHub alone, not a before/after figure.
    memory_puts = 0 if args.only or args.baseline else args.memory_puts
    result = http.run(
        args.seconds,
        tuple(args.concurrency),
        memory_puts,
        args.only,
        args.baseline,
        args.floor_driver,
    )
    if args.baseline:
        text = report.render_ab(result, args.seconds)
        if not args.only:
            RESULTS.mkdir(exist_ok=True)
            (RESULTS / "ab.md").write_text(text)
        sys.stdout.write(text + "\n")
        return 0
    text = report.render(result, args.seconds)
    if args.only:
        sys.stdout.write(text + "\n")
        return 0
    RESULTS.mkdir(exist_ok=True)
    latest = RESULTS / "latest.md"
    latest.write_text(text)
    shutil.copy(latest, RESULTS / f"{datetime.now(UTC):%Y-%m-%d}.md")
    sys.stdout.write(text + "\n")
    if args.skip_engine:
        return 0
    # Each writes its own results file (engine.md, hotbin.md).
    runs = [
        subprocess.run([sys.executable, "-m", f"bench.{name}"], check=False)
        for name in ("engine", "hotbin")
    ]
    return max(run.returncode for run in runs)


if __name__ == "__main__":
    sys.exit(main())
