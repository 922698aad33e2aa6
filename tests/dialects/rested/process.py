"""RecordHub as a child process (tests.services.start_service) for the rested tests that
need a real one: on a database of the test's own, behind an admin token."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from subprocess import Popen

import aiohttp

from service.store.client import connect
from service.store.embedded import free_port
from tests.services import start_service, wait_ready

ADMIN_TOKEN = "admin-token-for-rested-processes"


@dataclass
class Service:
    base: str
    proc: Popen[str]
    session: aiohttp.ClientSession

    @property
    def admin(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@contextlib.asynccontextmanager
async def running(db_uri: str, **variables: str) -> AsyncIterator[Service]:
    """The service on a free loopback port, on a fresh database of `db_uri` (dropped after)."""
    port = free_port()
    database = f"t_{uuid.uuid4().hex[:16]}"
    proc = start_service(
        MONGODB_URI=db_uri,
        MONGODB_DB=database,
        ADMIN_TOKEN=ADMIN_TOKEN,
        PORT=str(port),
        **variables,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        timeout = aiohttp.ClientTimeout(total=300)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await wait_ready(session, base, proc)
            yield Service(base, proc, session)
    finally:
        proc.terminate()
        proc.wait(30)
        connection = connect(db_uri, database)
        await connection.client.drop_database(database)
        await connection.close()


def peak_rss_kib(pid: int) -> int:
    """The process's peak resident set (VmHWM), in KiB."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmHWM for process {pid}")
