"""HTTP benchmark: RecordHub against the floor of our own stack, side by side in one run.

One embedded database; the floor app (bench/floor.py) and RecordHub (`python -m service`)
as separate processes; the load generator (bench/load.py) as a third. For every workload
and concurrency: requests/s, p50/p99, errors, service CPU per request (utime+stime from
/proc), database CPU per request, and database round trips per request (the server's
opcounters). Ratios are RecordHub / floor measured in the same run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from pymongo import MongoClient

from service.store.embedded import EmbeddedDatabase, free_port

ADMIN_TOKEN = "bench-admin-token-0123456789"
ROUNDS = 8  # alternating slices per cell, so noise falls on floor and RecordHub alike
TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")
HL_OBJECT = "custom_objects.event_ticket"
HL_UPDATE = json.dumps(
    {
        "followers": {"add": ["user_b"], "remove": ["user_a"]},
        "owner": {"add": ["user_o"], "remove": []},
        "properties": {
            "section_of_app": {"add": ["option_3"], "remove": ["option_1"]},
            "customer_number": 1424,
            "ticket_name": "Customer not able to login",
            "notes": "called twice",
        },
    }
)
SMALL = json.dumps({"sample": "Hello World", "items": list(range(20)), "nested": {"a": 1}})


@dataclass
class Target:
    name: str
    process: subprocess.Popen[bytes]
    base: str


@dataclass
class Workload:
    name: str
    method: str
    floor_paths: list[str]
    service_paths: list[str]
    headers: dict[str, str]
    body: str | None
    floor_ops: str
    notes: str = ""
    results: list[dict[str, Any]] = field(default_factory=list)


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


def wait_http(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
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


def data_ops(client: MongoClient[Any]) -> int:
    counters = client.admin.command("serverStatus")["opcounters"]
    return sum(counters[k] for k in ("insert", "query", "update", "delete", "getmore"))


def _run_load(spec: dict[str, Any]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout))


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    return round(values[min(len(values) - 1, int(p * len(values)))], 2)


def measure_pair(
    targets: list[tuple[Target, list[str]]],
    workload: Workload,
    concurrency: int,
    seconds: float,
    rounds: int,
    db: EmbeddedDatabase,
    client: MongoClient[Any],
) -> dict[str, dict[str, Any]]:
    """Run the targets in alternation, `rounds` slices each, so that the machine's noise
    falls on both alike; sum the slices per target."""
    assert db.process is not None
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
        for t, _ in targets
    }
    for _ in range(rounds):
        for target, paths in targets:
            spec = {
                "method": workload.method,
                "urls": [target.base + p for p in paths],
                "headers": workload.headers if target.name == "recordhub" else {},
                "body": workload.body,
                "concurrency": concurrency,
                "seconds": seconds / rounds,
                "raw": True,
            }
            cpu0, db0 = cpu_us(target.process.pid), cpu_us(db.process.pid)
            ops0 = data_ops(client)
            result = _run_load(spec)
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


def start_service(uri: str, db_name: str, port: int, **variables: str) -> subprocess.Popen[bytes]:
    """`python -m service` on `uri`/`db_name` at `port`, quiet, with the bench's admin token."""
    env = {
        **os.environ,
        "MONGODB_URI": uri,
        "MONGODB_DB": db_name,
        "PORT": str(port),
        "ADMIN_TOKEN": ADMIN_TOKEN,
        "CREATE_DEMO_PROJECT": "false",
        "LOG_LEVEL": "WARNING",
        **variables,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "service"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_targets(uri: str) -> tuple[Target, Target]:
    floor_port, service_port = free_port(), free_port()
    floor = subprocess.Popen(
        [sys.executable, "-m", "bench.floor", "--uri", uri, "--port", str(floor_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    service = start_service(
        uri,
        "bench",
        service_port,
        LOG_LEVEL="INFO",
        # the benchmark measures cost, not HighLevel's rate limits
        HIGHLEVEL_BURST="1000000000",
        HIGHLEVEL_DAILY_LIMIT="1000000000",
    )
    floor_target = Target("floor", floor, f"http://127.0.0.1:{floor_port}")
    service_target = Target("recordhub", service, f"http://127.0.0.1:{service_port}")
    wait_http(service_target.base + "/readyz")
    wait_port(floor_port)
    return floor_target, service_target


def prepare(
    client: MongoClient[Any], service: Target, workers: int
) -> tuple[dict[str, str], list[str], str]:
    """A pro project, one bin per worker in RecordHub, one record per worker in the floor."""
    admin = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    project = request("POST", service.base + "/admin/projects", {"name": "bench"}, admin)
    keys = {"X-Master-Key": project["masterKey"], "Content-Type": "application/json"}
    bins = [
        request("POST", service.base + "/v3/b", json.loads(SMALL), keys)["metadata"]["id"]
        for _ in range(workers)
    ]
    client["floor"]["records"].insert_many(
        [{"_id": f"r{i}", "data": {"properties": {}}, "rev": 0} for i in range(workers)]
        + [{"_id": b, "data": json.loads(SMALL), "rev": 0} for b in bins]
    )
    return keys, bins, project["id"]


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
    fields = [
        {"fieldKey": "customer_number", "dataType": "NUMERICAL"},
        {"fieldKey": "notes", "dataType": "LARGE_TEXT"},
        {"fieldKey": "section_of_app", "dataType": "MULTIPLE_OPTIONS", "options": options},
    ]
    for spec in fields:
        field = {
            **spec,
            "name": spec["fieldKey"],
            "locationId": location,
            "objectKey": HL_OBJECT,
            "showInForms": True,
        }
        request("POST", service.base + "/custom-fields/", field, headers)
    record = {"locationId": location, "properties": {"ticket_name": "t"}, "followers": ["user_a"]}
    url = f"{service.base}/objects/{HL_OBJECT}/records"
    records = [request("POST", url, record, headers)["record"]["id"] for _ in range(workers)]
    return headers, records


def workloads(
    keys: dict[str, str], bins: list[str], hl: tuple[dict[str, str], list[str], str]
) -> list[Workload]:
    hl_headers, hl_records, location = hl
    hl_paths = [f"/objects/{HL_OBJECT}/records/{r}?locationId={location}" for r in hl_records]
    versioned = {**keys, "X-Bin-Versioning": "true"}
    return [
        Workload(
            "JSONBin PUT unversioned",
            "PUT",
            [f"/one/{b}" for b in bins],
            [f"/v3/b/{b}" for b in bins],
            keys,
            SMALL,
            "1 op",
        ),
        Workload(
            "JSONBin PUT versioned",
            "PUT",
            [f"/one/{b}" for b in bins],
            [f"/v3/b/{b}" for b in bins],
            versioned,
            SMALL,
            "1 op",
            "floor does 1 op; a versioned PUT needs read + claim + CAS (+ the bin read)",
        ),
        Workload(
            "HighLevel update",
            "PUT",
            [f"/two/{r}" for r in hl_records],
            hl_paths,
            hl_headers,
            HL_UPDATE,
            "2 ops (update_one + find_one)",
            "add/remove on two multi-value fields and three scalar properties",
        ),
        Workload(
            "JSONBin GET latest",
            "GET",
            [f"/read/{b}" for b in bins],
            [f"/v3/b/{b}/latest" for b in bins],
            {"X-Master-Key": keys["X-Master-Key"]},
            None,
            "1 op (find_one)",
        ),
    ]


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
    out = subprocess.run(
        [sys.executable, "-m", "bench.load", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(out.stdout)
    return {
        "puts": result["requests"],
        "errors": result["errors"],
        "peak_rss_before_mb": round(before, 1),
        "peak_rss_after_mb": round(peak_rss_mb(service.process.pid), 1),
    }


def run(
    seconds: float, concurrencies: tuple[int, ...], memory_puts: int, only: str | None = None
) -> dict[str, Any]:
    """Every workload (or those whose name contains `only`) at every concurrency."""
    workers = max(concurrencies)
    with tempfile.TemporaryDirectory() as tmp:
        db = EmbeddedDatabase(storage=f"{tmp}/db")
        uri = db.start()
        client: MongoClient[Any] = MongoClient(uri)
        floor, service = start_targets(uri)
        try:
            keys, bins, location = prepare(client, service, workers)
            hl_headers, hl_records = prepare_highlevel(
                service, location, keys["X-Master-Key"], workers
            )
            client["floor"]["records"].insert_many(
                [{"_id": r, "data": {"properties": {}}, "rev": 0} for r in hl_records]
            )
            plan = workloads(keys, bins, (hl_headers, hl_records, location))
            plan = [w for w in plan if only is None or only.lower() in w.name.lower()]
            for workload in plan:
                for concurrency in concurrencies:
                    pair = [(floor, workload.floor_paths), (service, workload.service_paths)]
                    row: dict[str, Any] = {"concurrency": concurrency}
                    row |= measure_pair(pair, workload, concurrency, seconds, ROUNDS, db, client)
                    workload.results.append(row)
            memory = memory_check(service, keys, bins[0], memory_puts) if memory_puts else None
        finally:
            for target in (floor, service):
                target.process.terminate()
                target.process.wait(30)
            client.close()
            db.stop()
    return {"workloads": plan, "memory": memory}
