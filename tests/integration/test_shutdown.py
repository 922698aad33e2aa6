"""SIGTERM during a stream of PUTs: every request completes with 2xx or is never accepted,
no acknowledged write is lost, nothing gets a 500, and the process exits 0."""

import asyncio
import json
import signal

import aiohttp

from service.store.embedded import free_port
from tests.services import start_service, wait_ready

ADMIN = "shutdown-admin-token-000000"
WRITERS = 8


def start(data_dir, port):
    """On the embedded database in `data_dir` (an inherited MONGODB_URI is dropped)."""
    return start_service(
        MONGODB_URI="",
        DATA_DIR=str(data_dir),
        PORT=str(port),
        ADMIN_TOKEN=ADMIN,
        SHUTDOWN_GRACE_SECONDS="10",
    )


async def writer(session, base, keys, bin_id, acked, sent, statuses, stop):
    n = 0
    while not stop.is_set():
        n += 1
        sent[bin_id] = n
        try:
            async with session.put(
                f"{base}/v3/b/{bin_id}", data=json.dumps({"n": n}), headers=keys
            ) as response:
                statuses.append(response.status)
                if response.status == 200:
                    acked[bin_id] = n
        except (TimeoutError, aiohttp.ClientError):
            return  # refused or cut off: never accepted
        await asyncio.sleep(0)


async def test_sigterm_during_puts_loses_nothing_acknowledged(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start(tmp_path, port)
    acked: dict[str, int] = {}
    sent: dict[str, int] = {}
    statuses: list[int] = []
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, base, proc)
            admin = {"Authorization": f"Bearer {ADMIN}"}
            async with session.post(
                f"{base}/admin/projects", json={"name": "p"}, headers=admin
            ) as response:
                project = await response.json()
            keys = {"X-Master-Key": project["masterKey"], "Content-Type": "application/json"}
            bins = []
            for _ in range(WRITERS):
                async with session.post(f"{base}/v3/b", json={"n": 0}, headers=keys) as response:
                    bins.append((await response.json())["metadata"]["id"])
            stop = asyncio.Event()
            tasks = [
                asyncio.create_task(writer(session, base, keys, b, acked, sent, statuses, stop))
                for b in bins
            ]
            await asyncio.sleep(1.5)
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(asyncio.to_thread(proc.wait), 40)
            stop.set()
            await asyncio.gather(*tasks)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, proc.stderr.read()
    assert statuses and all(status == 200 for status in statuses), set(statuses)
    assert len(acked) == WRITERS

    second = start(tmp_path, port)
    try:
        async with aiohttp.ClientSession() as session:
            await wait_ready(session, base, second)
            for bin_id, last_acked in acked.items():
                async with session.get(
                    f"{base}/v3/b/{bin_id}?meta=false",
                    headers={"X-Master-Key": keys["X-Master-Key"]},
                ) as response:
                    stored = (await response.json())["n"]
                # the last acknowledged write is there; a later one may have landed unanswered
                assert last_acked <= stored <= sent[bin_id]
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(40)
