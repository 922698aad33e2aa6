"""Slow clients: connections that stall mid-header or mid-body neither stop others from being
served nor hold their sockets forever (the runner `python -m service` uses)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from service.app import create_app
from service.config import Settings
from service.server import runner_for
from service.store import projects

STALLED = 300
KEEPALIVE_SECONDS = 2.0
BODY_SECONDS = 1.0
HALF_HEADER = b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


@pytest.fixture
async def base(database) -> AsyncIterator[str]:
    settings = Settings(
        keepalive_timeout_seconds=KEEPALIVE_SECONDS, body_timeout_seconds=BODY_SECONDS
    )
    runner = runner_for(create_app(settings, database=database), settings)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@dataclass
class Stalled:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter  # kept: a collected writer closes its socket


async def open_stalled(base: str, first_bytes: bytes) -> list[Stalled]:
    host, port = base.removeprefix("http://").split(":")
    stalled = []
    for _ in range(STALLED):
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(first_bytes)
        await writer.drain()
        stalled.append(Stalled(reader, writer))
    return stalled


async def closed_by_server(connection: Stalled, seconds: float) -> bytes | None:
    """Everything the server sent before it closed the connection; None if it did not."""
    received = b""
    try:
        async with asyncio.timeout(seconds):
            while chunk := await connection.reader.read(65536):
                received += chunk
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    finally:
        connection.writer.close()
    return received


async def test_half_header_connections_do_not_block_others_and_are_closed_after_timeout(base):
    opened = time.monotonic()
    stalled = await open_stalled(base, HALF_HEADER)
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(f"{base}/readyz") as response:
            assert response.status == 200
        assert time.monotonic() - started < 1.0
    # Still open before the timeout: it is the timeout that closes them, not something else.
    assert not any(connection.reader.at_eof() for connection in stalled)
    results = await asyncio.gather(
        *(closed_by_server(connection, KEEPALIVE_SECONDS + 5) for connection in stalled)
    )
    elapsed = time.monotonic() - opened
    assert all(result is not None for result in results), sum(r is None for r in results)
    assert elapsed >= KEEPALIVE_SECONDS * 0.9
    print(f"\n{STALLED} half-header sockets closed by the server after {elapsed:.1f}s")


async def test_stalled_body_answers_408_and_frees_the_connection(base, database):
    _, keys = await projects.create_project(database, name="slow")
    head = (
        f"PUT /v3/b/0123456789abcdef01234567 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Master-Key: {keys['masterKey']}\r\nContent-Type: application/json\r\n"
        "Content-Length: 100\r\n\r\n"
        '{"a": '
    ).encode()
    started = time.monotonic()
    stalled = await open_stalled(base, head)
    async with aiohttp.ClientSession() as session, session.get(f"{base}/readyz") as response:
        assert response.status == 200
    answers = await asyncio.gather(*(closed_by_server(each, 20) for each in stalled))
    elapsed = time.monotonic() - started
    assert all(answer is not None for answer in answers)
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in answers), answers[0]
    assert b'{"message": "Request Timeout"}' in answers[0]
    assert elapsed >= BODY_SECONDS
    print(f"\n{STALLED} stalled bodies answered 408 and closed after {elapsed:.1f}s")
