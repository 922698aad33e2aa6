"""MongoDB client lifecycle: one motor client per process, opened and closed by app.py."""

from __future__ import annotations

from dataclasses import dataclass

from motor.motor_asyncio import AsyncIOMotorClient, AsyncIOMotorDatabase
from pymongo.errors import PyMongoError

from service.errors import Unavailable

Database = AsyncIOMotorDatabase


@dataclass
class Connection:
    client: AsyncIOMotorClient
    database: AsyncIOMotorDatabase

    def close(self) -> None:
        self.client.close()


def connect(uri: str, db_name: str, *, timeout_ms: int = 5000) -> Connection:
    """Create the client (no I/O happens until the first command)."""
    client: AsyncIOMotorClient = AsyncIOMotorClient(
        uri,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        tz_aware=True,
    )
    return Connection(client=client, database=client[db_name])


async def ping(database: AsyncIOMotorDatabase) -> None:
    """Raise Unavailable unless the database answers a ping."""
    try:
        await database.command("ping")
    except PyMongoError as exc:
        raise Unavailable("database unavailable") from exc
