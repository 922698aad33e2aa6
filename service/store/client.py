"""MongoDB client lifecycle: one client of PyMongo's asyncio API per process, opened and
closed by app.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError
from pymongo.topology_description import TopologyDescription
from pymongo.uri_parser import parse_uri

from service.store.errors import unavailable

Database = AsyncDatabase  # what the store's functions take: ours or a test's
# How often the driver checks a server it cannot reach: the delay between a database coming
# back and requests being let through again (see `check_reachable`).
HEARTBEAT_MS = 1000


def describe(uri: str) -> str:
    """The hosts of a URI, for messages: never the credentials or options."""
    try:
        nodes = parse_uri(uri, validate=False)["nodelist"]
    except Exception:  # an unparsable URI is reported by the driver itself
        return "the configured database"
    return ",".join(f"{host}:{port}" for host, port in nodes)


class CachingDatabase(AsyncDatabase[Any]):
    """The driver's database, keeping each collection object it builds: the driver builds a
    new one on every `database[name]`, and every store call looks one up."""

    def __init__(self, client: AsyncMongoClient, name: str, **options: Any) -> None:
        super().__init__(client, name, **options)
        self._collections: dict[str, AsyncCollection] = {}

    def __getitem__(self, name: str) -> AsyncCollection:
        found = self._collections.get(name)
        if found is None:
            found = self._collections[name] = super().__getitem__(name)
        return found


@dataclass
class Connection:
    client: AsyncMongoClient
    database: CachingDatabase

    async def close(self) -> None:
        await self.client.close()


def connect(uri: str, db_name: str, *, timeout_ms: int = 5000) -> Connection:
    """Create the client (no I/O happens until the first command)."""
    client: AsyncMongoClient = AsyncMongoClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        heartbeatFrequencyMS=HEARTBEAT_MS,
        tz_aware=True,
    )
    return Connection(client=client, database=CachingDatabase(client, db_name))


async def ping(database: AsyncDatabase, *, where: str = "database") -> None:
    """Raise Unavailable unless the database answers a ping."""
    try:
        await database.command("ping")
    except PyMongoError as exc:
        raise unavailable(f"{where} unavailable") from exc


async def rewrites_every_index(database: AsyncDatabase) -> bool:
    """Whether the server writes every index entry of a document on every write of it
    (SecantusDB, which says so in its build info) rather than only the entries a write
    changes (MongoDB): an index the hot writes leave unchanged costs them only there."""
    info = await database.client.admin.command("buildInfo")
    return "secantusVersion" in info


def check_reachable(database: AsyncDatabase) -> None:
    """Raise Unavailable at once while the driver knows the database to be unreachable.

    Every server is unknown and its last check failed: every command would wait out the
    server selection timeout, so each request would hang for it before its 503. The
    driver's monitor keeps checking every HEARTBEAT_MS and lets requests through as soon
    as the database answers again."""
    description = getattr(database.client, "topology_description", None)
    if not isinstance(description, TopologyDescription):  # a mock client (unit tests)
        return
    if description.has_known_servers:  # the common case, decided in one step
        return
    if any(server.error is not None for server in description.server_descriptions().values()):
        raise unavailable()
