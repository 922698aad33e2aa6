"""The indexes the update engine relies on, created idempotently at start-up."""

from __future__ import annotations

from motor.motor_asyncio import AsyncIOMotorDatabase
from pymongo import ASCENDING

from service.store import definitions, projects, windows
from service.store.records import database_errors
from service.store.versions import VERSIONS


async def ensure_engine_indexes(database: AsyncIOMotorDatabase) -> None:
    """Records are addressed by `_id` (always indexed); versions need two indexes.

    The unique (record, version) index is what makes a version slot claimable by one
    writer only (see service.store.versions); `record` is the record's identity, project
    included. The second one exists because SecantusDB uses an index only when it covers
    every field of a filter: without it, the claim's filter (record, version, baseRev) and
    the reset's (record, baseRev) scan the whole collection, so a versioned write would
    slow with the history. `project` stays out of both: it would make every claim dearer,
    and only deleting a project (an operator's call, which may scan) filters on it.
    """
    versions = database[VERSIONS]
    with database_errors():
        await versions.create_index(
            [("record", ASCENDING), ("version", ASCENDING)], unique=True, name="record_version"
        )
        await versions.create_index(
            [("record", ASCENDING), ("version", ASCENDING), ("baseRev", ASCENDING)],
            name="record_version_baseRev",
        )


async def ensure_all(database: AsyncIOMotorDatabase) -> None:
    """Every index the store's own parts need (a dialect adds its own)."""
    await projects.ensure_indexes(database)  # and the sessions'
    await definitions.ensure_indexes(database)
    await windows.ensure_indexes(database)
    await ensure_engine_indexes(database)
