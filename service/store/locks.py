"""Per-record write locks of one replica, and the one retry loop of contended writes.

A versioned write is read, claim, compare-and-swap (service/store/versions.py); two writers
of one record that overlap make one of them start again. Inside a replica they need not
overlap at all: `settle` holds the record's lock around the whole attempt, so writers of
one record take turns, and only writers in other replicas can still make a swap miss.
Those misses are retried with jittered, capped backoff until the write lands; a generous
deadline ends a pathological case with Unavailable (503, Retry-After) instead of a refusal
because someone else wrote. The lock stays held across the backoff: the writers queued
behind it would only lose the same race.

The registry lives on the app (one per replica) and is handed to the store calls that
write versions; an entry exists only while a writer holds or waits for it, so memory
follows the writers in flight, not the records ever written.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from typing import TypeVar

from service.errors import Contended, Overloaded

T = TypeVar("T")

SETTLE_SECONDS = 20.0  # far beyond any contention seen; only a stuck peer gets here
_FIRST_PAUSE = 0.002
_LONGEST_PAUSE = 0.05
RETRY_AFTER = "1"


@dataclass(slots=True)
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0  # writers holding or waiting


class RecordLocks:
    """One asyncio lock per (collection, record id) that a writer holds or waits for.

    `ready` (the Store's reachability check) runs for a writer that had to wait: the writer
    ahead may have spent the driver's whole timeout on a database that went away, and the
    one behind should answer at once instead of spending another."""

    def __init__(self, ready: Callable[[], None] | None = None) -> None:
        self._entries: dict[tuple[str, Hashable], _Entry] = {}
        self._ready = ready

    def __len__(self) -> int:
        return len(self._entries)

    @contextlib.asynccontextmanager
    async def hold(self, collection: str, record_id: Hashable) -> AsyncIterator[None]:
        key = (collection, record_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
        entry.users += 1
        waited = entry.lock.locked()
        try:
            async with entry.lock:
                if waited and self._ready is not None:
                    self._ready()
                yield
        finally:  # also when cancelled while waiting
            entry.users -= 1
            if not entry.users:
                del self._entries[key]


def overloaded(message: str = "too many concurrent writers; try again") -> Overloaded:
    """What a write that kept losing to other writers answers: 503 with Retry-After, never
    a refusal because someone else wrote."""
    return Overloaded(message, headers={"Retry-After": RETRY_AFTER})


def contended() -> Contended:
    """What one attempt raises when another writer got in first; `settle` tries again."""
    return Contended("another writer got in first")


async def settle(
    locks: RecordLocks | None,
    collection: str,
    record_id: Hashable,
    attempt: Callable[[], Awaitable[T]],
    *,
    seconds: float | None = None,
) -> T:
    """Run `attempt` holding the record's lock, again after every contended miss, until
    it lands (or `seconds`, default SETTLE_SECONDS, have passed). Other errors pass through.
    Without `locks` (scripts, engine tests) writers of one replica contend like those of
    different replicas: slower, still correct."""
    deadline = time.monotonic() + (SETTLE_SECONDS if seconds is None else seconds)
    held = locks.hold(collection, record_id) if locks is not None else contextlib.nullcontext()
    async with held:
        for tries in itertools.count():
            try:
                return await attempt()
            except Contended:
                pass
            if time.monotonic() >= deadline:
                raise overloaded()
            await asyncio.sleep(_pause(tries))
    raise AssertionError("unreachable")


def _pause(tries: int) -> float:
    # Full jitter: losers of one race spread out instead of colliding again in lockstep.
    return random.uniform(0, min(_LONGEST_PAUSE, _FIRST_PAUSE * 2 ** min(tries, 8)))
