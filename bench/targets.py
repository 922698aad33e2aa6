"""The processes a benchmark run measures, and what each is given before it is measured.

Targets: the floor (bench/floor.py), RecordHub as it is in this tree, and, for a
before/after run, the baseline: RecordHub as it was at a git revision, exported with
`git archive` into a temporary directory (no worktree, nothing left in the repository).
Each RecordHub target is provisioned the same way through its own admin and HTTP APIs,
so its bin and record ids are its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient

from bench.floor import DEFAULT_DRIVER
from service.store.embedded import EmbeddedDatabase, free_port

ADMIN_TOKEN = "bench-admin-token-0123456789"
REPO = Path(__file__).resolve().parents[1]
HL_OBJECT = "custom_objects.event_ticket"
REST_ENDPOINT = "bench-records"  # an open rested endpoint: no token, no owner checks
JSON = {"Content-Type": "application/json"}  # rested stores a text/plain body as a string
SMALL = json.dumps({"sample": "Hello World", "items": list(range(20)), "nested": {"a": 1}})
# The environment both RecordHub targets are measured with: access logs on (INFO), and
# HighLevel's rate limits out of the way, as the benchmark measures cost, not the limits.
MEASURED = {
    "LOG_LEVEL": "INFO",
    "HIGHLEVEL_BURST": "1000000000",
    "HIGHLEVEL_DAILY_LIMIT": "1000000000",
}


@dataclass
class Target:
    name: str
    process: subprocess.Popen[bytes]
    base: str


@dataclass(frozen=True)
class Provisioned:
    """What one RecordHub target was given: JSONBin keys and one bin per worker, the
    HighLevel headers and one record per worker in its project's location, the project's
    API key and one record per worker on its rested endpoint (none at a revision without
    the rested dialect)."""

    keys: dict[str, str]
    bins: list[str]
    location: str
    hl_headers: dict[str, str]
    hl_records: list[str]
    api_key: str
    rested_records: list[str]


def wait_http(
    url: str, seconds: float = 60, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # A service that exited (say, a baseline that cannot start) will never answer.
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} never answered")


def wait_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"port {port} never opened")


def request(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=30) as response:
        return json.loads(response.read() or b"null")


def start_service(
    uri: str,
    db_name: str,
    port: int,
    variables: dict[str, str] | None = None,
    source: Path | None = None,
    wrapper: list[str] | None = None,
) -> subprocess.Popen[bytes]:
    """`python -m service` on `uri`/`db_name` at `port`, quiet, with the bench's admin token;
    with `source`, the `service` package found there (cwd and PYTHONPATH) instead of ours;
    with `wrapper`, run by that command (bench.instructions: valgrind)."""
    env = {
        **os.environ,
        "MONGODB_URI": uri,
        "MONGODB_DB": db_name,
        "PORT": str(port),
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "CREATE_DEMO_PROJECT": "false",
        "LOG_LEVEL": "WARNING",
        **(variables or {}),
    }
    if source is not None:
        # `-m` puts the cwd first on sys.path, ahead of the venv's editable install of
        # this tree; PYTHONPATH makes the baseline's own imports find the same copy.
        env["PYTHONPATH"] = str(source)
    return subprocess.Popen(
        [*(wrapper or []), sys.executable, "-m", "service"],
        cwd=source,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_floor(
    uri: str, port: int, driver: str = DEFAULT_DRIVER, wrapper: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """The floor's handlers (bench/floor.py) on `uri` at `port`, quiet; with `wrapper`, run
    by that command (as `start_service`)."""
    command = [sys.executable, "-m", "bench.floor", "--uri", uri, "--port", str(port)]
    return subprocess.Popen(
        [*(wrapper or []), *command, "--driver", driver],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextlib.contextmanager
def serving(
    uri: str,
    target: str,
    *,
    source: Path | None = None,
    wrapper: list[str] | None = None,
    startup: float = 60,
    floor_driver: str = DEFAULT_DRIVER,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """One target measured alone on a port of its own: the floor ("floor", on
    `floor_driver`) or RecordHub (from `source` when given), run by `wrapper`; its process
    and base URL once it answers.
    Stopped with SIGINT when done: a clean exit, after which valgrind has written what it
    counted."""
    port = free_port()
    if target == "floor":
        process = start_floor(uri, port, floor_driver, wrapper=wrapper)
    else:
        process = start_service(uri, "bench", port, MEASURED, source, wrapper=wrapper)
    try:
        if target == "floor":
            wait_port(port, startup)
        else:
            wait_http(f"http://127.0.0.1:{port}/readyz", startup, process)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(120)


@dataclass(frozen=True)
class Prepared:
    """An embedded database holding the floor's and RecordHub's records (`ids`), and a
    working directory beside it."""

    uri: str
    database_pid: int
    workdir: Path
    ids: Provisioned


@contextlib.contextmanager
def prepared(workers: int) -> Iterator[Prepared]:
    """A fresh embedded database provisioned for `workers` workers: RecordHub is started
    once to provision itself through its APIs, then stopped, and the floor's records are
    written beside its own. For benchmarks that run one target at a time."""
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        database = EmbeddedDatabase(str(workdir / "db"))
        uri = database.start()
        try:
            with serving(uri, "recordhub") as (service, base):
                ids = prepare(Target("recordhub", service, base), workers)
            prepare_floor(MongoClient(uri), ids)
            assert database.process is not None
            yield Prepared(uri, database.process.pid, workdir, ids)
        finally:
            database.stop()


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout.strip()


def resolve(rev: str) -> str:
    """`rev` as a short commit hash, so the report names what was measured."""
    return _git("rev-parse", "--short", "--verify", f"{rev}^{{commit}}")


def describe_tree() -> str:
    """This tree's commit, and whether uncommitted changes were measured with it."""
    dirty = _git("status", "--porcelain")
    return _git("rev-parse", "--short", "HEAD") + (" + uncommitted changes" if dirty else "")


def export(rev: str, dest: Path) -> Path:
    """The tree at `rev`, as `git archive REV | tar -x -C dest` leaves it."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def start_targets(
    uri: str, baseline: Path | None = None, floor_driver: str = DEFAULT_DRIVER
) -> dict[str, Target]:
    """The floor (on `floor_driver`), the baseline (when its exported tree is given) and
    RecordHub, by name, each on its own port; RecordHub and the baseline each in a database
    of their own."""
    ports = {"floor": free_port(), "recordhub": free_port()}
    floor = start_floor(uri, ports["floor"], floor_driver)
    processes = {"floor": floor}
    if baseline is not None:
        ports["baseline"] = free_port()
        processes["baseline"] = start_service(
            uri, "bench_base", ports["baseline"], MEASURED, baseline
        )
    processes["recordhub"] = start_service(uri, "bench", ports["recordhub"], MEASURED)
    targets = {
        name: Target(name, process, f"http://127.0.0.1:{ports[name]}")
        for name, process in processes.items()
    }
    try:
        for target in targets.values():
            if target.name == "floor":
                wait_port(ports["floor"])
            else:
                wait_http(target.base + "/readyz", process=target.process)
    except BaseException:
        stop(targets)
        raise
    return targets


def stop(targets: dict[str, Target]) -> None:
    for target in targets.values():
        target.process.terminate()
        target.process.wait(30)


def prepare(service: Target, workers: int) -> Provisioned:
    """A pro project with one bin per worker, the HighLevel and the rested records, in
    `service`."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    project = request("POST", service.base + "/admin/projects", {"name": "bench"}, admin)
    keys = {"X-Master-Key": project["masterKey"], "Content-Type": "application/json"}
    bins = [
        request("POST", service.base + "/v3/b", json.loads(SMALL), keys)["metadata"]["id"]
        for _ in range(workers)
    ]
    hl_headers, hl_records = prepare_highlevel(
        service, project["id"], project["masterKey"], workers
    )
    rested = prepare_rested(service, project, admin, workers)
    return Provisioned(keys, bins, project["id"], hl_headers, hl_records, project["apiKey"], rested)


def prepare_highlevel(
    service: Target, location: str, token: str, workers: int
) -> tuple[dict[str, str], list[str]]:
    """The seed's object with the fields the update touches, one record per worker."""
    headers = {
        "Authorization": f"Bearer {token}",
        "Version": "2021-07-28",
        "Content-Type": "application/json",
    }
    display = {"key": "ticket_name", "name": "Ticket name", "dataType": "TEXT"}
    labels = {"singular": "Ticket", "plural": "Tickets"}
    body = {
        "labels": labels,
        "key": HL_OBJECT,
        "locationId": location,
        "primaryDisplayPropertyDetails": display,
    }
    request("POST", service.base + "/objects/", body, headers)
    options = [{"key": f"option_{n}", "label": f"Option {n}"} for n in range(1, 5)]
    fields: list[dict[str, Any]] = [
        {"fieldKey": "customer_number", "dataType": "NUMERICAL"},
        {"fieldKey": "notes", "dataType": "LARGE_TEXT"},
        {"fieldKey": "section_of_app", "dataType": "MULTIPLE_OPTIONS", "options": options},
    ]
    for spec in fields:
        created = {
            **spec,
            "name": spec["fieldKey"],
            "locationId": location,
            "objectKey": HL_OBJECT,
            "showInForms": True,
        }
        request("POST", service.base + "/custom-fields/", created, headers)
    record = {"locationId": location, "properties": {"ticket_name": "t"}, "followers": ["user_a"]}
    url = f"{service.base}/objects/{HL_OBJECT}/records"
    records = [request("POST", url, record, headers)["record"]["id"] for _ in range(workers)]
    return headers, records


def prepare_rested(
    service: Target, project: dict[str, Any], admin: dict[str, str], workers: int
) -> list[str]:
    """The open endpoint and one record per worker on it; none when `service` has no rested
    dialect (a baseline from before #14, whose admin API has no endpoints route)."""
    endpoints = f"{service.base}/admin/projects/{project['id']}/endpoints"
    try:
        request("POST", endpoints, {"name": REST_ENDPOINT}, admin)
    except urllib.error.HTTPError as exc:
        if exc.code != 404:
            raise
        return []
    url = f"{service.base}/api/1/ce/{REST_ENDPOINT}?key={project['apiKey']}"
    return [request("POST", url, json.loads(SMALL), JSON)["uniqueId"] for _ in range(workers)]


def prepare_floor(client: MongoClient[Any], ids: Provisioned) -> None:
    """The floor's records under RecordHub's ids (its workloads' paths are built from them):
    a bin's content for the JSONBin workloads, empty properties for the HighLevel update,
    and for the rested PUTs the record as created, with the time its envelope shows."""
    now = datetime.now(UTC)
    client["floor"]["records"].insert_many(
        [{"_id": b, "data": json.loads(SMALL), "rev": 0} for b in ids.bins]
        + [{"_id": r, "data": {"properties": {}}, "rev": 0} for r in ids.hl_records]
        + [
            {"_id": r, "data": json.loads(SMALL), "rev": 0, "createdAt": now}
            for r in ids.rested_records
        ]
    )
