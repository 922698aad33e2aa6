"""The indexes the update engine relies on, created idempotently at start-up."""

from __future__ import annotations

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ASCENDING

from service.store.records import database_errors
from service.store.versions import VERSIONS


async def ensure_engine_indexes(database: AsyncIOMotorDatabase) -> None:
    """Records are addressed by `_id` (always indexed); versions need (bin, version).

    The unique (bin, version) index is what makes a version slot claimable by one writer
    only (see service.store.versions), and keeps every version read and write one index
    lookup however long the history is.
    """
    with database_errors():
        await database[VERSIONS].create_index(
            [("bin", ASCENDING), ("version", ASCENDING)], unique=True, name="bin_version"
        )
