"""Where a request's CPU goes, by concern: py-spy's samples of one process under one workload.

    python -m bench.concerns [--only "HighLevel update"] [--requests 4000] [--concurrency 1]
                             [--process service|database]

The floor and RecordHub serve in turn from one embedded SecantusDB, provisioned as for the
other benchmarks (bench/targets.py). Each is warmed up, then py-spy samples one process
(`--process service`: the floor's or RecordHub's; `database`: SecantusDB while that target
is served) at 997 Hz while the target serves `--requests` requests, and the process's CPU
(utime+stime) over them is read from /proc. A sample goes to the concern of its innermost
frame that a rule of `SERVICE_CONCERNS` or `DATABASE_CONCERNS` names (the rest: event loop,
sockets, interpreter; `DATABASE_ENCLOSING` claims whatever its frames call), and each
concern gets the share of the CPU per request that its samples have. py-spy's samples give
the split only: their own totals run 20-50% under the CPU seconds. A run of one workload
takes about a minute; the figures of one run move by about 10%.
"""

from __future__ import annotations

import argparse
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from bench import targets as T
from bench.http import cpu_us, run_requests
from bench.workloads import Workload, workloads

RATE = 997  # samples a second: not a multiple of the event loop's timers
PY_SPY = str(Path(sys.executable).with_name("py-spy"))  # the dev extras install it
OTHER = "event loop, sockets, interpreter"
# (concern, pattern on a frame's file path); the first rule that names a frame wins.
SERVICE_CONCERNS: tuple[tuple[str, str], ...] = (
    ("driver (PyMongo, BSON)", r"^(pymongo|bson|motor)/"),
    ("aiohttp", r"^(aiohttp|multidict|yarl)/"),
    ("limits, metering", r"highlevel/ratelimit|jsonbin/plans|store/windows|rested/limits"),
    (
        "credentials",
        r"web/principal|store/directory|core/credentials|/auth\.py|sharedloads|web/cookies",
    ),
    (
        "edge (request id, CORS, metrics, access log)",
        r"web/(middleware|metrics|cors|origins|dialect|statuses)|service/logs|prometheus_client/",
    ),
    ("body (read, JSON parse)", r"web/body|highlevel/params|jsonbin/(headers|binaccess)|json/dec"),
    (
        "validation, plan",
        r"^marshmallow/|highlevel/(changes|schemas|validation|objectschema|cache)|"
        r"web/definitions_cache|jsonschema",
    ),
    ("engine (compile, swap, guards)", r"service/core/(?!times|documents)"),
    ("answer (render)", r"/render\.py|core/times|core/documents|json/enc"),
    ("store, handlers", r"service/store/|service/dialects/|bench/floor"),
)
DATABASE_CONCERNS: tuple[tuple[str, str], ...] = (
    ("BSON", r"^bson/"),
    ("matching", r"secantus/query\.py"),
    ("update operators", r"secantus/update\.py"),
    ("pipeline, expressions", r"secantus/(aggregate|expressions)\.py"),
    ("storage (documents, WiredTiger)", r"secantus/storage\.py|wiredtiger"),
    ("commands, sessions", r"secantus/(commands|sessions|transactions|cursors)\.py"),
    ("wire protocol", r"secantus/(wire|server|connreg)\.py"),
    ("other SecantusDB", r"secantus/"),
)
# Frames whose callees count as theirs: choosing an index calls into the storage layer.
DATABASE_ENCLOSING: tuple[tuple[str, str], ...] = (
    ("index pickers", r"_try_\w*index\w*|_find_leading_field_index|_partial_filters"),
)
# A thread waiting: the event loop in its selector, an idle executor thread, a lock's wait,
# the database's threads reading a connection or accepting one.
_IDLE = re.compile(
    r"(\w+\.)?select \((\w+/)?selectors\.py|_worker \(concurrent/futures/thread\.py"
    r"|(\w+\.)?wait \(threading\.py|_recv_exactly \(secantus/wire\.py|socket\.accept \("
)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<path>.*?)(:\d+)?\)$")
# The event loop's own frame: what calls it (the floor's `aiohttp.web.run_app`, our
# `asyncio.run`) says nothing of what a sample's callback does, so rules look inside it only.
_LOOP = "BaseEventLoop.run_forever"


def concern_of(
    frames: list[str],
    rules: Iterable[tuple[str, str]],
    enclosing: Iterable[tuple[str, str]] = (),
) -> str:
    """The concern of one sample (py-spy's `function (path:line)` frames, outermost first):
    an `enclosing` rule's when one names a frame of it (by function), else that of its
    innermost frame a rule names (by path). Only the frames inside the event loop count:
    the loop's own work is OTHER whichever library started it."""
    parsed = [_FRAME.match(frame) for frame in frames]
    functions = [m["function"] if m else frame for m, frame in zip(parsed, frames, strict=True)]
    if _LOOP in functions:
        inside = len(functions) - functions[::-1].index(_LOOP)
        parsed, functions = parsed[inside:], functions[inside:]
    for name, pattern in enclosing:
        if any(re.search(pattern, function) for function in functions):
            return name
    for match in reversed(parsed):
        for name, pattern in rules:
            if match and re.search(pattern, match["path"]):
                return name
    return OTHER


def tally(
    raw: str, rules: Iterable[tuple[str, str]], enclosing: Iterable[tuple[str, str]] = ()
) -> Counter[str]:
    """Samples by concern in py-spy's raw output (a `frames count` line per stack), leaving
    out the samples of a waiting thread (`_IDLE`)."""
    rules, enclosing = tuple(rules), tuple(enclosing)
    counts: Counter[str] = Counter()
    for line in raw.splitlines():
        stack, _, number = line.rpartition(" ")
        frames = stack.split(";")
        if not number.isdigit() or _IDLE.match(frames[-1]):
            continue
        counts[concern_of(frames, rules, enclosing)] += int(number)
    return counts


def sample(
    ready: T.Prepared,
    workload: Workload,
    target: str,
    process_name: str,
    requests: int,
    concurrency: int,
) -> dict[str, float]:
    """Microseconds of the process's CPU per request by concern while `target` serves
    `requests` requests."""
    kind = "floor" if target == "floor" else "recordhub"
    out = ready.workdir / f"{target}.{process_name}.txt"
    with T.serving(ready.uri, target) as (process, base):
        run_requests(workload, base, kind, max(200, requests // 10), concurrency)  # warm-up
        pid = process.pid if process_name == "service" else ready.database_pid
        # Idle samples stay out (py-spy asks the OS whether the thread runs): uvloop waits
        # for its sockets in C, where no Python frame shows the wait, and the database's
        # commits wait on the disk (--sync-on-commit). `tally` leaves out the waits that
        # do show (asyncio's selector, idle threads).
        command = [PY_SPY, "record", "--pid", str(pid), "--rate", str(RATE), "--nonblocking"]
        spy = subprocess.Popen(
            [*command, "--format", "raw", "--output", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1.5)  # py-spy attaches
        before = cpu_us(pid)
        done = run_requests(workload, base, kind, requests, concurrency)
        spent = (cpu_us(pid) - before) / done
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    if process_name == "service":
        counts = tally(out.read_text(), SERVICE_CONCERNS)
    else:
        counts = tally(out.read_text(), DATABASE_CONCERNS, DATABASE_ENCLOSING)
    return split(counts, spent)


def split(counts: Counter[str], cpu_per_request: float) -> dict[str, float]:
    """The process's CPU per request shared out among the concerns as the samples are."""
    total = sum(counts.values())
    return {name: cpu_per_request * n / total for name, n in counts.items()} if total else {}


def render(workload: str, process: str, floor: dict[str, float], ours: dict[str, float]) -> str:
    lines = [
        f"## {workload}: the {process}'s CPU per request (µs), shared out as py-spy sampled it",
        "",
        "| concern | floor | RecordHub | RecordHub - floor |",
        "|---|---|---|---|",
    ]
    for name in sorted(set(floor) | set(ours), key=lambda n: -(ours.get(n, 0) - floor.get(n, 0))):
        a, b = floor.get(name, 0.0), ours.get(name, 0.0)
        lines.append(f"| {name} | {a:.0f} | {b:.0f} | {b - a:+.0f} |")
    a, b = sum(floor.values()), sum(ours.values())
    lines.append(f"| total | {a:.0f} | {b:.0f} | {b - a:+.0f} ({b / a:.2f}x) |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.concerns")
    parser.add_argument("--only", default="HighLevel update", help="a workload's name (part)")
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--process", choices=("service", "database"), default="service")
    args = parser.parse_args()
    with T.prepared(args.concurrency) as ready:
        chosen = [w for w in workloads({"recordhub": ready.ids}) if args.only in w.name]
        for workload in chosen:
            per_request = {
                target: sample(
                    ready, workload, target, args.process, args.requests, args.concurrency
                )
                for target in ("floor", "recordhub")
            }
            report = render(
                workload.name, args.process, per_request["floor"], per_request["recordhub"]
            )
            sys.stdout.write(report + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
