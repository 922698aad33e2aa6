"""`make bench`: the HTTP benchmark against the floor, then the engine benchmark.

python -m bench [--seconds 5] [--memory-puts 10000] [--skip-engine]
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
    args = parser.parse_args()
    result = http.run(args.seconds, tuple(args.concurrency), args.memory_puts)
    text = report.render(result, args.seconds)
    RESULTS.mkdir(exist_ok=True)
    latest = RESULTS / "latest.md"
    latest.write_text(text)
    shutil.copy(latest, RESULTS / f"{datetime.now(UTC):%Y-%m-%d}.md")
    sys.stdout.write(text + "\n")
    if not args.skip_engine and Path(__file__).with_name("engine.py").exists():
        return subprocess.run([sys.executable, "-m", "bench.engine"], check=False).returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
