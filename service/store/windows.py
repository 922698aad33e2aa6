"""Counters of fixed time windows kept in the database, so limits hold across replicas.

One document per (key, window): `{_id: "key|period|window", count, expiresAt}`, removed by a
TTL index once its window has ended. Two ways to count into them:

- `ExactLimiter`: one conditional `$inc` upsert per hit, decided by the write itself, so a
  limit is never exceeded; for what is rare and must hold (failed logins, sign-ups).
- `MeteredLimiter`: counted in memory and flushed with `$inc` every `flush_seconds`, so the
  request path pays no round trip; for what runs on every request (rate limits, quotas).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from pymongo import ASCENDING, UpdateOne
from pymongo.errors import BulkWriteError, DuplicateKeyError, PyMongoError

from service.store.client import Database
from service.store.errors import database_errors

WINDOWS = "windows"
FLUSH_SECONDS = 0.5
# Tags the flush's commands, so the database's logs and profiler (and tests counting a
# request's round trips) tell them from a request's.
FLUSH_COMMENT = "recordhub: metered limits flush"
log = logging.getLogger(__name__)


class Period(Protocol):
    @property
    def name(self) -> str: ...

    def window(self, now: float) -> tuple[str, float]:
        """The label of the window holding `now` and the time it ends (epoch seconds)."""
        ...


@dataclass(frozen=True)
class Every:
    """Windows of `seconds`, aligned to the epoch: `Every(86400)` is the UTC day."""

    seconds: float

    @property
    def name(self) -> str:
        return f"{self.seconds:g}s"

    def window(self, now: float) -> tuple[str, float]:
        index = math.floor(now / self.seconds)
        return str(index), (index + 1) * self.seconds


class CalendarMonth:
    """The UTC calendar month. The current one is remembered: it is asked for on every
    request that a quota counts, and working it out is most of a hit's cost."""

    name = "month"

    def __init__(self) -> None:
        self._current = ("", math.inf, -math.inf)  # label, start, end

    def window(self, now: float) -> tuple[str, float]:
        label, start, end = self._current
        if start <= now < end:
            return label, end
        moment = datetime.fromtimestamp(now, UTC)
        first = datetime(moment.year, moment.month, 1, tzinfo=UTC)
        following = datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=UTC)
        label = f"{moment.year:04d}-{moment.month:02d}"
        self._current = (label, first.timestamp(), following.timestamp())
        return label, following.timestamp()


DAY = Every(86_400)
MONTH = CalendarMonth()


def _slot(key: str, period: Period, now: float) -> tuple[str, float]:
    label, end = period.window(now)
    return f"{key}|{period.name}|{label}", end


def _expiry(end: float) -> datetime:
    return datetime.fromtimestamp(end, UTC)


async def ensure_indexes(db: Database) -> None:
    """The TTL index that removes a window's document once the window has ended."""
    with database_errors():
        await db[WINDOWS].create_index(
            [("expiresAt", ASCENDING)], expireAfterSeconds=0, name="expiresAt_ttl"
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int  # hits left in the window after this one
    reset_at: float  # epoch seconds when the window turns
    retry_after: int  # whole seconds until then, at least 1


class ExactLimiter:
    """Never admits more than `limit` hits per window, however many replicas ask at once."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self._clock = clock

    async def hit(self, key: str, limit: int, period: Period) -> Decision:
        """Count one hit unless the window already holds `limit`; the count is read back."""
        now = self._clock()
        slot, end = _slot(key, period, now)
        allowed = limit > 0 and await self._claim(slot, limit, end)
        count = await self._count(slot) if allowed else limit
        return self._decision(allowed, limit, count, now, end)

    async def peek(self, key: str, limit: int, period: Period) -> Decision:
        """Whether a hit would be admitted now, counting nothing."""
        now = self._clock()
        slot, end = _slot(key, period, now)
        count = await self._count(slot)
        return self._decision(count < limit, limit, count, now, end)

    async def _claim(self, slot: str, limit: int, end: float) -> bool:
        collection = self.db[WINDOWS]
        change = {"$inc": {"count": 1}, "$setOnInsert": {"expiresAt": _expiry(end)}}
        # A full window fails the filter, and the upsert then collides with its `_id`; so
        # does losing the race to create the document, hence a second try without upsert.
        for upsert in (True, False):
            with database_errors():
                try:
                    result = await collection.update_one(
                        {"_id": slot, "count": {"$lt": limit}}, change, upsert=upsert
                    )
                except DuplicateKeyError:
                    continue
            return bool(result.matched_count or result.upserted_id is not None)
        return False

    async def _count(self, slot: str) -> int:
        with database_errors():
            doc = await self.db[WINDOWS].find_one({"_id": slot}, {"count": 1})
        return int(doc["count"]) if doc else 0

    @staticmethod
    def _decision(allowed: bool, limit: int, count: int, now: float, end: float) -> Decision:
        wait = max(1, math.ceil(end - now))
        return Decision(allowed, max(0, limit - count), end, wait)


class MeteredLimiter:
    """Counts in memory; a background task (`run`) flushes them with `$inc`.

    `used` is the window's total as this replica last learnt it, from the flush that wrote
    its own counts there, plus what it counted since. Its view lacks at most what the others
    counted since then, and is corrected by its next flush: replicas together exceed a limit
    by at most what they admit within one `flush_seconds` (plus a flush's own time), and
    never by more than the limit each. A replica new to a window starts it from zero.
    """

    def __init__(
        self,
        db: Database,
        *,
        flush_seconds: float = FLUSH_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self._clock = clock
        self._pending: Counter[str] = Counter()
        self._flushing: Counter[str] = Counter()  # sent, not yet in `_known`
        self._known: dict[str, int] = {}
        self._ends: dict[str, float] = {}
        self._one_flush = asyncio.Lock()  # the loop's and a caller's flush take turns

    def used(self, key: str, period: Period) -> int:
        slot, _ = _slot(key, period, self._clock())
        return self._total(slot)

    def add(self, key: str, period: Period, count: int = 1) -> int:
        """Count `count` hits in the current window; the total, these included."""
        slot, end = _slot(key, period, self._clock())
        self._ends[slot] = end
        self._pending[slot] += count
        return self._total(slot)

    def _total(self, slot: str) -> int:
        # .get: a Counter's own lookup of a missing key goes through Python's __missing__.
        return self._known.get(slot, 0) + self._flushing.get(slot, 0) + self._pending.get(slot, 0)

    async def flush(self) -> None:
        """One bulk `$inc` of every pending count, then one read of the totals."""
        async with self._one_flush:
            if not self._pending:
                return
            batch, self._pending = self._pending, Counter()
            self._flushing = batch
            try:
                written = await self._write(batch)
                self._learn(written, await self._read(written))
            finally:
                self._flushing = Counter()
            self._forget_ended()

    async def _write(self, batch: Counter[str]) -> dict[str, int]:
        slots = list(batch.items())
        requests = [
            UpdateOne(
                {"_id": slot},
                {"$inc": {"count": n}, "$setOnInsert": {"expiresAt": _expiry(self._ends[slot])}},
                upsert=True,
            )
            for slot, n in slots
        ]
        failed: Iterable[int] = ()
        try:
            await self.db[WINDOWS].bulk_write(requests, ordered=False, comment=FLUSH_COMMENT)
        except BulkWriteError as exc:
            # Some landed: only the refused ones are kept for the next flush.
            failed = [error["index"] for error in exc.details.get("writeErrors", [])]
        except PyMongoError:
            log.warning("limit counters not flushed; will retry")
            failed = range(len(slots))
        retry = {slots[index][0]: slots[index][1] for index in failed}
        self._pending.update(retry)
        return {slot: n for slot, n in slots if slot not in retry}

    async def _read(self, written: dict[str, int]) -> dict[str, int]:
        if not written:
            return {}
        try:
            query = {"_id": {"$in": list(written)}}
            found = self.db[WINDOWS].find(query, {"count": 1}, comment=FLUSH_COMMENT)
            return {doc["_id"]: int(doc["count"]) async for doc in found}
        except PyMongoError:
            return {}  # counted all the same; the totals are learnt next time

    def _learn(self, written: dict[str, int], totals: dict[str, int]) -> None:
        for slot, n in written.items():
            self._known[slot] = totals.get(slot, self._known.get(slot, 0) + n)

    def _forget_ended(self) -> None:
        now = self._clock()
        for slot in [slot for slot, end in self._ends.items() if end <= now]:
            if slot not in self._pending:
                del self._ends[slot]
                self._known.pop(slot, None)

    async def run(self) -> None:
        """Flush forever (a task the app starts and cancels); a last flush on the way out."""
        try:
            while True:
                await asyncio.sleep(self.flush_seconds)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())
