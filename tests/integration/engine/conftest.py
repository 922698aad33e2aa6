"""Engine fixtures: a scope, the database, and a server that is not a replica set."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from service.store.embedded import free_port, server_command, uri_for
from service.store.records import Scope


@pytest.fixture
def scope() -> Scope:
    return Scope(project="p1", ns="things")


@pytest.fixture
async def engine_db(database):  # type: ignore[no-untyped-def]
    # The engine needs no index but `_id` (versions live beside their records).
    return database


@pytest.fixture
async def counted(counted_database, engine_db):  # type: ignore[no-untyped-def]
    """The engine database through a client whose commands are recorded, none recorded yet."""
    db, commands = counted_database
    await db.command("ping")
    commands.names.clear()
    return db, commands


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"no server on port {port}")


@pytest.fixture
def standalone_uri() -> Iterator[str]:
    """A SecantusDB that presents itself as a standalone server (no transactions)."""
    port = free_port()
    command = [server_command(), "--port", str(port), "--storage-path", ":memory:"]
    process = subprocess.Popen(
        [*command, "--standalone", "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_port(port)
        yield uri_for("127.0.0.1", port)
    finally:
        process.terminate()
        process.wait(20)
