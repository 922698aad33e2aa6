"""The store's indexes, created idempotently at start-up (and the one data move they need)."""

from __future__ import annotations

from pymongo.asynchronous.database import AsyncDatabase

from service.store import definitions, projects, windows
from service.store.versions import migrate_versions


async def ensure_all(database: AsyncDatabase) -> None:
    """Every index the store's own parts need (a dialect adds its own)."""
    await projects.ensure_indexes(database)  # and the sessions'
    await definitions.ensure_indexes(database)
    await windows.ensure_indexes(database)
    await migrate_versions(database)  # versions need no index of their own any more
