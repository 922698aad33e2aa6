"""Shared fixtures: one real SecantusDB per test session, a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import uvloop
from pymongo import AsyncMongoClient, monitoring

from service.store.client import Connection, connect
from service.store.embedded import EmbeddedDatabase
from service.store.windows import FLUSH_COMMENT


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, object]:
    """Every async test runs on the loop the service serves on (service.__main__)."""
    return {"uvloop": uvloop.new_event_loop}


@pytest.fixture(scope="session")
def db_uri() -> Iterator[str]:
    """URI of the session's wire-protocol server (RECORDHUB_TEST_MONGODB_URI reuses one)."""
    given = os.environ.get("RECORDHUB_TEST_MONGODB_URI")
    if given:
        yield given
        return
    server = EmbeddedDatabase(storage=":memory:")
    server.start()
    try:
        yield server.uri
    finally:
        server.stop()


@pytest.fixture
async def connection(db_uri: str) -> AsyncIterator[Connection]:
    """A client bound to this test's event loop and a uniquely named database, dropped after."""
    conn = connect(db_uri, f"t_{uuid.uuid4().hex[:16]}")
    try:
        yield conn
    finally:
        await conn.client.drop_database(conn.database.name)
        await conn.close()


@pytest.fixture
def database(connection: Connection):  # type: ignore[no-untyped-def]
    return connection.database


@pytest.fixture
def own_server(tmp_path) -> Iterator[EmbeddedDatabase]:  # type: ignore[no-untyped-def]
    """A private server for tests that stop or kill the database."""
    server = EmbeddedDatabase(storage=str(tmp_path / "db"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Commands(monitoring.CommandListener):
    """Records the name and body of every command a client sends (round-trip tests)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.bodies: list[dict] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command.get("comment") != FLUSH_COMMENT:  # a background flush, no request
            self.names.append(event.command_name)
            self.bodies.append(dict(event.command))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def counted_database(db_uri: str, database):  # type: ignore[no-untyped-def]
    """The test's database through a second client whose commands are recorded."""
    commands = Commands()
    client: AsyncMongoClient = AsyncMongoClient(db_uri, event_listeners=[commands], tz_aware=True)
    yield client[database.name], commands
    await client.close()
