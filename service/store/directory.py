"""The in-memory directory of keys and projects, so a request costs no extra round trip.

Entries live for `ttl` seconds. A change made through this replica (PATCH, rotation,
deletion) drops the affected entries at once; another replica sees it when its entries
expire, so cross-replica staleness is bounded by `ttl` (KEY_CACHE_SECONDS, default 3 s).
Unknown keys are cached too (as misses), so a flood of bad keys does not become a flood of
database reads. Concurrent misses of one entry share one read (service.store.sharedloads).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from service.core import credentials
from service.errors import NotFound
from service.store import projects
from service.store.client import Database
from service.store.projects import KeyRecord, Project
from service.store.sharedloads import SharedLoads

_MAX_ENTRIES = 100_000

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    value: T
    expires: float


class _TtlCache(Generic[T]):
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, _Entry[T]] = {}

    def get(self, key: str) -> _Entry[T] | None:
        entry = self._entries.get(key)
        if entry is None or entry.expires < time.monotonic():
            return None
        return entry

    def put(self, key: str, value: T) -> None:
        if len(self._entries) >= _MAX_ENTRIES:
            self._entries.clear()  # crude but bounded; a refill costs one read per key
        self._entries[key] = _Entry(value, time.monotonic() + self.ttl)

    def drop(self, key: str) -> None:
        self._entries.pop(key, None)

    def drop_where(self, predicate: Callable[[T], bool]) -> None:
        for key in [k for k, e in self._entries.items() if predicate(e.value)]:
            del self._entries[key]


class Directory:
    """Resolves keys to (project, key record) through a short-lived cache."""

    def __init__(self, db: Database, *, ttl: float) -> None:
        self.db = db
        self._keys: _TtlCache[KeyRecord | None] = _TtlCache(ttl)
        self._projects: _TtlCache[Project | None] = _TtlCache(ttl)
        self._loads = SharedLoads()

    async def project(self, project_id: str) -> Project | None:
        entry = self._projects.get(project_id)
        if entry is not None:
            return entry.value
        found: Project | None = await self._loads.run(
            ("project", project_id),
            lambda: self._read_project(project_id),
            lambda value: self._projects.put(project_id, value),
        )
        return found

    async def resolve(self, key: str) -> tuple[Project, KeyRecord] | None:
        """The project and key record behind a presented key, or None."""
        cache_key = credentials.key_digest(key)
        entry = self._keys.get(cache_key)
        if entry is None:
            record: KeyRecord | None = await self._loads.run(
                ("key", cache_key),
                lambda: projects.lookup_key(self.db, key),
                lambda value: self._keys.put(cache_key, value),
            )
        else:
            record = entry.value
        if record is None:
            return None
        known = self._projects.get(record.project_id)  # spares a coroutine on a hit
        project = known.value if known is not None else await self.project(record.project_id)
        return None if project is None else (project, record)

    def forget_project(self, project_id: str) -> None:
        """Called after this replica changes a project or its keys."""
        self._loads.forget()  # reads in flight may have seen the old state
        self._projects.drop(project_id)
        self._keys.drop_where(lambda rec: rec is not None and rec.project_id == project_id)

    def forget_misses(self) -> None:
        """Called after a key is created here, so a cached miss cannot hide it."""
        self._loads.forget()
        self._keys.drop_where(lambda rec: rec is None)

    async def _read_project(self, project_id: str) -> Project | None:
        try:
            return await projects.get_project(self.db, project_id)
        except NotFound:
            return None
