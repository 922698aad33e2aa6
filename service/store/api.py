"""The Store: the one object the rest of the service reaches the database through.

Built once per app (service.app) around one database handle; dialects and the web edge
get typed methods from its parts and never a driver object. Every method of every part maps
driver errors to domain errors (service.store.errors.mapped) on the way out, whatever
module does the work underneath.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from service.store import indexes, transactions
from service.store.client import Database, check_reachable, ping
from service.store.definitionstore import Definitions
from service.store.directory import Directory
from service.store.errors import translated
from service.store.files import Files
from service.store.locks import RecordLocks
from service.store.recordstore import Records
from service.store.tenancy import Projects, Sessions, Users
from service.store.transactions import Transaction
from service.store.windows import ExactLimiter, MeteredLimiter

T = TypeVar("T")
REACHABLE_FOR = 0.1  # seconds; the driver checks an unreachable server every second
__all__ = ["Store", "Transaction"]


class Store:
    """Everything the service keeps in the database, under one handle."""

    def __init__(self, db: Database, *, key_cache_seconds: float) -> None:
        self._db = db
        self._reachable_until = -math.inf
        self.locks = RecordLocks(ready=self.check_reachable)
        self.records = Records(db, self.locks)
        self.definitions = Definitions(db)
        self.directory = Directory(db, ttl=key_cache_seconds)
        self.exact_limits = ExactLimiter(db)
        self.metered_limits = MeteredLimiter(db)
        self.projects = Projects(db)
        self.users = Users(db)
        self.sessions = Sessions(db)
        self.files = Files(db)

    async def ping(self, *, where: str = "database") -> None:
        await ping(self._db, where=where)

    def check_reachable(self) -> None:
        """Unavailable at once while the driver knows the database to be down. A good
        answer holds for REACHABLE_FOR: reading the driver's view of the servers costs
        more than the rest of the edge's work, and it changes only with a heartbeat."""
        now = time.monotonic()
        if now < self._reachable_until:
            return
        check_reachable(self._db)
        self._reachable_until = now + REACHABLE_FOR

    async def transaction(self, work: Callable[[Transaction], Awaitable[T]]) -> T:
        """`await work(tx)` in one transaction, retried on conflicts (store.transactions)."""
        return await translated(transactions.run)(self._db, lambda s: work(Transaction(s)))

    async def ensure_indexes(self) -> None:
        """The indexes of every part but the dialects' own (Dialect.ensure_indexes)."""
        await translated(indexes.ensure_all)(self._db)
