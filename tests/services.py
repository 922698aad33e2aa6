"""`python -m service` as a child process, for tests that kill, restart or run several."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator

import aiohttp

from service.store.embedded import free_port


def start_service(**variables: str) -> subprocess.Popen[str]:
    """The service with `variables` over this process's environment (logs quiet, no demo
    project); `MONGODB_URI=""` drops an inherited URI, so the embedded database starts."""
    env = {**os.environ, "LOG_LEVEL": "WARNING", "CREATE_DEMO_PROJECT": "false", **variables}
    if not env.get("MONGODB_URI"):
        env.pop("MONGODB_URI", None)
    return subprocess.Popen(
        [sys.executable, "-m", "service"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


async def wait_ready(
    session: aiohttp.ClientSession, base: str, proc: subprocess.Popen[str], seconds: float = 60.0
) -> None:
    """Until `base`/readyz answers 200; fails with the child's stderr if it exits first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            async with session.get(f"{base}/readyz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.2)
    raise AssertionError(f"{base} never ready")


@contextlib.asynccontextmanager
async def replicas(
    count: int, *, client_seconds: float = 120.0, **variables: str
) -> AsyncIterator[tuple[aiohttp.ClientSession, list[str]]]:
    """`count` service processes with `variables` on free ports, each ready: a client
    session and their base URLs; every process is stopped on the way out."""
    ports = [free_port() for _ in range(count)]
    procs = [start_service(**variables, PORT=str(port)) for port in ports]
    bases = [f"http://127.0.0.1:{port}" for port in ports]
    try:
        async with aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=client_seconds)
        ) as session:
            for base, proc in zip(bases, procs, strict=True):
                await wait_ready(session, base, proc)
            yield session, bases
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
