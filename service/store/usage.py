"""Monthly request counters per project, kept off the request's critical path.

Each replica counts requests in memory and flushes the increments with `$inc` (atomic, so
replicas never overwrite each other) every `flush_seconds`, learning the project's total in
the same step. A quota check compares that total plus this replica's unflushed requests
with the limit, so a request costs no database round trip; the price is that replicas can
overshoot a quota together by at most what they serve within one flush interval.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from pymongo.errors import ConnectionFailure, PyMongoError

from service.store.client import Database
from service.store.errors import database_errors
from service.store.sharedloads import SharedLoads

USAGE = "usage"
log = logging.getLogger(__name__)


_month_cache: tuple[float, float, str] = (0.0, 0.0, "")


def current_month() -> str:
    """ "YYYY-MM" in UTC; recomputed only when the clock leaves the cached month."""
    global _month_cache
    start, end, text = _month_cache
    now = time.time()
    if not start <= now < end:
        moment = datetime.fromtimestamp(now, UTC)
        first = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        following = (first + timedelta(days=32)).replace(day=1)
        text = first.strftime("%Y-%m")
        _month_cache = (first.timestamp(), following.timestamp(), text)
    return text


class UsageMeter:
    def __init__(self, db: Database, *, flush_seconds: float = 1.0) -> None:
        self.db = db
        self.flush_seconds = flush_seconds
        self._pending: Counter[tuple[str, str]] = Counter()
        self._totals: dict[tuple[str, str], int] = {}
        self._loads = SharedLoads()

    async def charge(self, project_id: str) -> int:
        """Count one request; return the project's requests this month, this one included."""
        slot = (project_id, current_month())
        if slot not in self._totals:
            # Concurrent first requests share one read (and one wait when it is down).
            total = await self._loads.run(slot, lambda: self._read_total(slot))
            self._totals.setdefault(slot, total)
        self._pending[slot] += 1
        return self._totals[slot] + self._pending[slot]

    async def _read_total(self, slot: tuple[str, str]) -> int:
        with database_errors():
            doc = await self.db[USAGE].find_one({"_id": f"{slot[0]}:{slot[1]}"})
        return int(doc["count"]) if doc else 0

    def used(self, project_id: str) -> int:
        slot = (project_id, current_month())
        return self._totals.get(slot, 0) + self._pending[slot]

    async def flush(self) -> None:
        pending, self._pending = self._pending, Counter()
        slots = list(pending.items())
        for index, ((project_id, month), count) in enumerate(slots):
            key = f"{project_id}:{month}"
            try:
                await self.db[USAGE].update_one(
                    {"_id": key},
                    {"$inc": {"count": count}, "$set": {"project": project_id, "month": month}},
                    upsert=True,
                )
            except PyMongoError as exc:
                down = isinstance(exc, ConnectionFailure)
                # Kept for the next flush; when the database is down, so is every later
                # slot, which would otherwise wait out the server selection timeout too.
                self._pending.update(dict(slots[index:] if down else slots[index : index + 1]))
                log.warning("usage flush failed; will retry", extra={"project": project_id})
                if down:
                    return
                continue
            with contextlib.suppress(PyMongoError):  # counted; the total is learnt next time
                doc = await self.db[USAGE].find_one({"_id": key})
                self._totals[(project_id, month)] = int(doc["count"]) if doc else count

    async def run(self) -> None:
        """Flush forever (a task the app starts and cancels); a last flush on the way out."""
        try:
            while True:
                await asyncio.sleep(self.flush_seconds)
                await self.flush()
        finally:
            await asyncio.shield(self.flush())
