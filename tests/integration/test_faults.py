"""Faults under load: the database or the service is SIGKILLed during versioned PUTs.

While the database is down every answer is a prompt 503 (never another 5xx) and /readyz
says so; once it is back, service resumes; and no acknowledged write (a 200) is lost: each
is the bin's live record or one of its versions, read back through the API.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from service.app import create_app
from service.config import Settings
from service.store.embedded import EmbeddedDatabase, free_port
from tests.services import start_service

ADMIN = "faults-admin-token-0000000"
BINS = 4
WRITERS_PER_BIN = 2
DB_TIMEOUT_MS = 2000
VERSIONED = {"X-Bin-Versioning": "true", "Content-Type": "application/json"}


@dataclass
class Load:
    """What the writers saw: every (status, sent, answered) in monotonic seconds, and the
    acknowledged records of each bin."""

    answers: list[tuple[int, float, float]] = field(default_factory=list)
    acked: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    refused: int = 0  # connection refused or cut: never acknowledged
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    def statuses(self) -> Counter[int]:
        return Counter(status for status, _, _ in self.answers)

    def between(self, start: float, end: float) -> list[int]:
        """The statuses of requests sent after `start` and answered before `end`."""
        return [status for status, sent, done in self.answers if start < sent and done < end]

    def slowest(self, status: int) -> float:
        return max((done - sent for s, sent, done in self.answers if s == status), default=0.0)


async def put_forever(
    session: aiohttp.ClientSession, base: str, key: str, bin_id: str, writer: str, load: Load
) -> None:
    n = 0
    headers = {**VERSIONED, "X-Master-Key": key}
    while not load.stop.is_set():
        n += 1
        record = {"writer": writer, "n": n}
        started = time.monotonic()
        try:
            async with session.put(
                f"{base}/v3/b/{bin_id}", data=json.dumps(record), headers=headers
            ) as response:
                load.answers.append((response.status, started, time.monotonic()))
                if response.status == 200:
                    load.acked.setdefault(bin_id, []).append(record)
                elif response.status == 503:
                    assert response.headers["Retry-After"].isdigit()
                    await asyncio.sleep(0.05)  # a client honouring Retry-After, impatiently
        except (aiohttp.ClientError, TimeoutError):
            load.refused += 1
            await asyncio.sleep(0.05)


async def status_of(session: aiohttp.ClientSession, url: str) -> int | None:
    try:
        async with session.get(url) as response:
            return response.status
    except (aiohttp.ClientError, TimeoutError):
        return None


async def wait_for_status(session, url, status, seconds=60.0) -> float:
    """Poll until `url` answers `status`; return how long that took."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if await status_of(session, url) == status:
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered {status}")


async def provision(session: aiohttp.ClientSession, base: str) -> tuple[str, list[str]]:
    """A pro project and its bins, through the admin and JSONBin APIs."""
    admin = {"Authorization": f"Bearer {ADMIN}"}
    async with session.post(f"{base}/admin/projects", json={"name": "p"}, headers=admin) as r:
        assert r.status == 201, await r.text()
        key = (await r.json())["masterKey"]
    bins = []
    for i in range(BINS):
        async with session.post(
            f"{base}/v3/b", json={"writer": "seed", "n": i}, headers={"X-Master-Key": key}
        ) as r:
            assert r.status == 200, await r.text()
            bins.append((await r.json())["metadata"]["id"])
    return key, bins


def start_load(session, base, key, bins, load) -> list[asyncio.Task[None]]:
    return [
        asyncio.create_task(put_forever(session, base, key, b, f"w{b}-{i}", load))
        for b in bins
        for i in range(WRITERS_PER_BIN)
    ]


async def stored_records(session, base: str, key: str, bin_id: str) -> list[Any]:
    """The bin's live record and every version of it, through the API."""
    headers = {"X-Master-Key": key}
    url = f"{base}/v3/b/{bin_id}"
    async with session.get(f"{url}/versions/count", headers=headers) as r:
        assert r.status == 200, await r.text()
        count = (await r.json())["metadata"]["versionCount"]

    async def read(suffix: str) -> Any:
        async with session.get(f"{url}/{suffix}?meta=false", headers=headers) as r:
            assert r.status == 200, (suffix, await r.text())
            return await r.json()

    return await asyncio.gather(read("latest"), *(read(str(v)) for v in range(1, count + 1)))


async def lost_writes(session, base: str, key: str, load: Load) -> int:
    lost = 0
    for bin_id, records in load.acked.items():
        stored = {
            json.dumps(r, sort_keys=True) for r in await stored_records(session, base, key, bin_id)
        }
        lost += sum(json.dumps(r, sort_keys=True) not in stored for r in records)
    return lost


def report(name: str, load: Load, **figures: Any) -> None:
    acked = sum(len(records) for records in load.acked.values())
    statuses = dict(sorted(load.statuses().items()))
    print(
        f"\n{name}: answers={len(load.answers)} acknowledged={acked} statuses={statuses} "
        f"refused={load.refused} " + " ".join(f"{k}={v}" for k, v in figures.items())
    )


class InProcessService:
    """create_app on a loopback port in the test's loop, connected to `uri`."""

    def __init__(self, uri: str) -> None:
        settings = Settings(
            mongodb_uri=uri,
            mongodb_db="faults",
            admin_token=ADMIN,
            db_timeout_ms=DB_TIMEOUT_MS,
            key_cache_seconds=0.5,  # cached keys expire during the outage
            ready_timeout_seconds=0.5,
        )
        self.runner = web.AppRunner(create_app(settings))
        self.base = ""

    async def __aenter__(self) -> InProcessService:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        host, port = self.runner.addresses[0][:2]
        self.base = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.runner.cleanup()


async def test_database_killed_under_load_answers_503_then_recovers_losing_nothing(own_server):
    load = Load()
    async with InProcessService(own_server.uri) as service, aiohttp.ClientSession() as session:
        base = service.base
        key, bins = await provision(session, base)
        writers = start_load(session, base, key, bins, load)
        await asyncio.sleep(1.5)
        await asyncio.to_thread(own_server.kill)  # SIGKILL: no clean shutdown
        killed = time.monotonic()
        readyz_down = await wait_for_status(session, f"{base}/readyz", 503, seconds=10)
        await asyncio.sleep(2.5)  # keep the load on while it is down
        restarting = time.monotonic()
        restarted = EmbeddedDatabase(storage=own_server.storage, port=own_server.port)
        await restarted.start_async()  # the same data directory and port
        own_server.process = restarted.process  # the fixture stops it
        readyz_up = await wait_for_status(session, f"{base}/readyz", 200, seconds=30)
        await asyncio.sleep(1.5)
        load.stop.set()
        await asyncio.gather(*writers)
        lost = await lost_writes(session, base, key, load)
    statuses = load.statuses()
    before, during = load.between(0, killed), load.between(killed, restarting)
    after = load.between(restarting, time.monotonic())
    report(
        "database SIGKILL",
        load,
        lost=lost,
        readyz_503_after_s=round(readyz_down, 2),
        readyz_200_after_restart_s=round(readyz_up, 2),
        slowest_503_s=round(load.slowest(503), 2),
    )
    assert set(statuses) <= {200, 503}, statuses  # contention never refuses a write
    assert load.refused == 0  # the service itself stayed up
    assert 200 in before and 200 in after
    assert during and set(during) == {503}, Counter(during)
    assert load.slowest(503) < DB_TIMEOUT_MS / 1000 + 1.0  # within the selection timeout
    assert lost == 0


def start_faults_service(uri: str, port: int) -> subprocess.Popen[str]:
    return start_service(
        MONGODB_URI=uri,
        MONGODB_DB="faults",
        PORT=str(port),
        HOST="127.0.0.1",
        ADMIN_TOKEN=ADMIN,
        DB_TIMEOUT_MS=str(DB_TIMEOUT_MS),
    )


async def test_service_killed_under_load_loses_no_acknowledged_write(own_server):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    load = Load()
    first = start_faults_service(own_server.uri, port)
    second = None
    try:
        async with aiohttp.ClientSession() as session:
            await wait_for_status(session, f"{base}/readyz", 200)
            key, bins = await provision(session, base)
            writers = start_load(session, base, key, bins, load)
            await asyncio.sleep(2.0)
            first.kill()  # SIGKILL: requests in flight are cut off unanswered
            await asyncio.to_thread(first.wait)
            killed = time.monotonic()
            second = start_faults_service(own_server.uri, port)
            await wait_for_status(session, f"{base}/readyz", 200)
            await asyncio.sleep(1.5)
            load.stop.set()
            await asyncio.gather(*writers)
            after = load.between(killed, time.monotonic())
            lost = await lost_writes(session, base, key, load)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(30)
    report("service SIGKILL", load, lost=lost)
    assert set(load.statuses()) == {200}, load.statuses()
    assert 200 in load.between(0, killed) and 200 in after
    assert load.refused > 0  # the kill did cut requests off (the test tested something)
    assert lost == 0
