"""One load per key at a time: concurrent callers that miss a cache share the same read.

When a cached entry expires under load, every request in flight misses it at once; without
this, each of them read the database (a herd of identical reads at every expiry).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class SharedLoads:
    def __init__(self) -> None:
        self._loading: dict[Hashable, asyncio.Task[Any]] = {}

    async def run(
        self,
        key: Hashable,
        load: Callable[[], Awaitable[T]],
        keep: Callable[[T], None] | None = None,
    ) -> T:
        """`load()` once for all concurrent callers with `key`, then `keep(result)` (to cache
        it) unless `key` was forgotten meanwhile. A caller that is cancelled does not cancel
        the load the others wait for; an error reaches all of them."""
        task = self._loading.get(key)
        if task is None:
            task = asyncio.ensure_future(self._load(key, load, keep))
            self._loading[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        result: T = await asyncio.shield(task)
        return result

    def forget(self, key: Hashable | None = None) -> None:
        """Later callers start a load of their own, and the one in flight keeps nothing (it
        may have read the state before a change); None forgets every key."""
        if key is None:
            self._loading.clear()
        else:
            self._loading.pop(key, None)

    async def _load(
        self, key: Hashable, load: Callable[[], Awaitable[T]], keep: Callable[[T], None] | None
    ) -> T:
        result = await load()
        if keep is not None and self._loading.get(key) is asyncio.current_task():
            keep(result)
        return result

    def _finished(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self._loading.get(key) is task:
            del self._loading[key]
