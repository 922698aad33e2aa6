"""`make bench`: the HTTP benchmark against the floor, then the engine and hot-bin ones.

python -m bench [--seconds 5] [--memory-puts 10000] [--skip-engine]
                [--concurrency 1 16 64] [--only "PUT unversioned"]

With --only, the chosen workloads run alone and the report goes to stdout only (the
committed results are left as they are).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import http, report

RESULTS = Path(__file__).with_name("results")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--memory-puts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--skip-engine", action="store_true")
    parser.add_argument("--only", help="run the workloads whose name contains this text")
    args = parser.parse_args()
    memory_puts = 0 if args.only else args.memory_puts
    result = http.run(args.seconds, tuple(args.concurrency), memory_puts, args.only)
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
