"""This replica's cache of loaded definitions (and whatever a dialect derives from them).

A write that validates against a definition (a record against its schema or its object
type's fields) then costs no read. Staleness: whoever changes a definition
through this replica calls `forget(key)` at once; another replica keeps its entry until it
expires, so across replicas a change is seen within the `ttl` each caller passes. Failed
loads (an unknown definition) are not cached, so a new definition is usable everywhere at
once. Concurrent misses of one key share one read; the size is bounded (least recently
used entries go first).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from cachetools import TLRUCache

from service.store.sharedloads import SharedLoads

T = TypeVar("T")
MAX_ENTRIES = 10_000


@dataclass(frozen=True)
class _Entry:
    value: Any
    ttl: float


def _expiry(key: Hashable, entry: _Entry, now: float) -> float:
    return now + entry.ttl


class DefinitionCache:
    def __init__(self, *, maxsize: int = MAX_ENTRIES) -> None:
        self._entries: TLRUCache[Hashable, _Entry] = TLRUCache(maxsize=maxsize, ttu=_expiry)
        # `forget` also stops a load that started before a change from keeping its result.
        self._loads = SharedLoads()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(
        self, key: Hashable, load: Callable[[], Awaitable[T]], *, ttl: float
    ) -> tuple[T, bool]:
        """The value under `key` and whether it came from the cache; `load()` on a miss,
        kept for `ttl` seconds (0: not kept). Keys start with a definition category, so two
        dialects never share one."""
        try:
            return cast(T, self._entries[key].value), True  # one lookup; TLRUCache.get() is two
        except KeyError:
            pass
        value = await self._loads.run(key, load, lambda found: self._keep(key, found, ttl))
        return value, False

    def _keep(self, key: Hashable, value: Any, ttl: float) -> None:
        if ttl > 0:
            self._entries[key] = _Entry(value, ttl)

    def forget(self, key: Hashable) -> None:
        """Called after this replica changes what `key` was loaded from."""
        self._entries.pop(key, None)
        self._loads.forget(key)  # a read in flight may predate the change
