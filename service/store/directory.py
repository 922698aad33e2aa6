"""The in-memory directory of keys, sessions and projects, so a request costs no extra
round trip.

Entries live for `ttl` seconds. A change made through this replica (PATCH, rotation,
deletion, logout) drops the affected entries at once; another replica sees it when its
entries expire, so cross-replica staleness, a revoked session's included, is bounded by
`ttl` (KEY_CACHE_SECONDS, default 3 s). A session's own expiry is checked on every use.
Unknown keys are cached too (as misses), so a flood of bad keys does not become a flood of
database reads. Concurrent misses of one entry share one read (service.store.sharedloads).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from service.core import credentials
from service.errors import NotFound
from service.store import projects, sessions
from service.store.client import Database
from service.store.projects import KeyRecord, Project
from service.store.sessions import Session
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
    """Resolves keys and session tokens to their project through a short-lived cache."""

    def __init__(
        self, db: Database, *, ttl: float, clock: Callable[[], datetime] = sessions.now_utc
    ) -> None:
        self.db = db
        self._keys: _TtlCache[KeyRecord | None] = _TtlCache(ttl)
        self._sessions: _TtlCache[Session | None] = _TtlCache(ttl)
        self._projects: _TtlCache[Project | None] = _TtlCache(ttl)
        self._loads = SharedLoads()
        self._clock = clock  # wall time, as sessions expire at stored dates

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

    async def resolve_session(self, token: str) -> tuple[Project, Session] | None:
        """The project and live session behind a presented session token, or None; renews
        the session when its renewal is due (service.store.sessions)."""
        session_id = sessions.id_of(token)
        entry = self._sessions.get(session_id)
        if entry is None:
            found: Session | None = await self._loads.run(
                ("session", session_id),
                lambda: sessions.find_session(self.db, token, now=self._clock()),
                lambda value: self._sessions.put(session_id, value),
            )
        else:
            found = entry.value
        now = self._clock()
        if found is None or found.expired(now):
            return None
        if found.renewal_due(now):
            live = found
            found = await self._loads.run(
                ("renew", session_id),
                lambda: sessions.renew(self.db, live, now=now),
                lambda value: self._sessions.put(session_id, value),
            )
            if found is None:
                return None
        project = await self.project(found.project_id)
        return None if project is None else (project, found)

    def forget_project(self, project_id: str) -> None:
        """Called after this replica changes a project or its keys."""
        self._loads.forget()  # reads in flight may have seen the old state
        self._projects.drop(project_id)
        self._keys.drop_where(lambda rec: rec is not None and rec.project_id == project_id)
        self._sessions.drop_where(lambda got: got is not None and got.project_id == project_id)

    def forget_session(self, session_id: str) -> None:
        """Called after this replica revokes a session (logout): it stops here at once."""
        self._loads.forget(("session", session_id))
        self._loads.forget(("renew", session_id))
        self._sessions.drop(session_id)

    def forget_user(self, project_id: str, user_id: str) -> None:
        """Called after this replica revokes every session of a user."""
        self._loads.forget()
        self._sessions.drop_where(
            lambda got: got is not None and (got.project_id, got.user_id) == (project_id, user_id)
        )

    def forget_misses(self) -> None:
        """Called after a key is created here, so a cached miss cannot hide it."""
        self._loads.forget()
        self._keys.drop_where(lambda rec: rec is None)

    async def _read_project(self, project_id: str) -> Project | None:
        try:
            return await projects.get_project(self.db, project_id)
        except NotFound:
            return None
