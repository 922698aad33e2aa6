"""Object schemas (an object and its field definitions) cached in memory per replica."""

from __future__ import annotations

import time
from dataclasses import dataclass

from service.dialects.highlevel import messages
from service.dialects.highlevel.definitions import ObjectSchema
from service.errors import NotFound
from service.store import highlevel as store
from service.store.client import Database
from service.store.sharedloads import SharedLoads

_MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    schema: ObjectSchema
    expires: float


class SchemaCache:
    """A record write validates against its object's fields; with them cached it costs no
    read, so an update is two round trips (the atomic write, then the read of the result).

    Staleness: a change made through this replica (a field created, updated or deleted, an
    object updated) drops the entry at once. Another replica keeps its copy until the entry
    expires, so across replicas a field change is seen within `ttl` seconds (5 s by default):
    until then that replica may refuse a new field or option, or accept a value for a field
    that was just deleted (the value then stays on that record until overwritten or removed).
    Unknown objects are not cached, so a new object is usable on every replica at once.
    """

    def __init__(self, *, ttl: float = 5.0) -> None:
        self.ttl = ttl
        self._entries: dict[tuple[str, str], _Entry] = {}
        # `forget` also stops a load that started before a change from storing its result.
        self._loads = SharedLoads()

    async def get(self, db: Database, project: str, object_key: str) -> tuple[ObjectSchema, bool]:
        """The object's schema and whether it came from the cache; NotFound if no object."""
        key = (project, object_key)
        entry = self._entries.get(key)
        if entry is not None and entry.expires > time.monotonic():
            return entry.schema, True
        # Concurrent misses (an expiry under load) share one read.
        schema = await self._loads.run(
            key, lambda: self._load(db, key), lambda found: self._keep(key, found)
        )
        return schema, False

    async def _load(self, db: Database, key: tuple[str, str]) -> ObjectSchema:
        obj, fields = await store.load_schema(db, project=key[0], object_key=key[1])
        if obj is None:
            raise NotFound(messages.OBJECT_NOT_FOUND, reason="object_not_found")
        return ObjectSchema.build(obj, fields)

    def _keep(self, key: tuple[str, str], schema: ObjectSchema) -> None:
        if self.ttl > 0:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()  # crude but bounded; a refill costs one read per object
            self._entries[key] = _Entry(schema, time.monotonic() + self.ttl)

    def forget(self, project: str, object_key: str) -> None:
        """Called after this replica changes the object or one of its fields."""
        key = (project, object_key)
        self._entries.pop(key, None)
        self._loads.forget(key)  # a read in flight may predate the change
