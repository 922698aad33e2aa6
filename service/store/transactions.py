"""Transactions: a unit of work run in one, retried whole when it conflicts.

A transaction's write fails at once (WriteConflict, labelled TransientTransactionError)
when another transaction wrote the same document after this one's snapshot was taken;
nothing waits. Snapshot isolation does not see a read of one transaction against a write
of another, so two units of work that decide on what they read (a count under a limit, a
collection's schema) must both WRITE one shared document, a guard: the loser starts over
from a snapshot that holds the winner's writes. What this relies on is tested on SecantusDB
(tests/integration/engine/test_transactions.py) and through the dialects
(tests/dialects/*/test_races.py). Every document a transaction touches belongs to one
project, so it stays on one shard.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import OperationFailure
from pymongo.server_type import SERVER_TYPE

from service.errors import TransactionsUnavailable
from service.store.errors import database_errors
from service.store.locks import overloaded

ATTEMPTS = 16
GUARDS = "guards"
_TRANSACTIONAL = {SERVER_TYPE.RSPrimary, SERVER_TYPE.Mongos, SERVER_TYPE.LoadBalancer}

T = TypeVar("T")


class Transaction:
    """An open transaction, handed to the work of `Store.transaction`; pass it as `tx` to
    the store methods that accept one."""

    def __init__(self, session: Any) -> None:
        self.session = session


def session_of(tx: Transaction | None) -> Any:
    return None if tx is None else tx.session


async def run(
    database: AsyncDatabase,
    work: Callable[[Any], Awaitable[T]],
    *,
    attempts: int = ATTEMPTS,
) -> T:
    """`await work(session)` inside one transaction, committed when it returns; a domain
    error raised by `work` aborts it. Conflicts are retried with jittered backoff."""
    await require(database)
    for attempt in range(attempts):
        try:
            with database_errors():
                async with (
                    database.client.start_session() as session,
                    await session.start_transaction(),
                ):
                    return await work(session)
        except OperationFailure as exc:
            if not exc.has_error_label("TransientTransactionError"):
                raise
        await asyncio.sleep(random.uniform(0, min(0.2, 0.004 * 2**attempt)))
    raise overloaded("the write kept conflicting with other writes; try again")


async def require(database: AsyncDatabase) -> None:
    """Refuse before writing when the deployment is a standalone server."""
    if _server_types(database) == {SERVER_TYPE.Unknown}:
        with database_errors():  # not connected yet: one ping learns the topology
            await database.command("ping")
    if not _server_types(database) & _TRANSACTIONAL:
        raise TransactionsUnavailable("this operation needs transactions, which need a replica set")


def _server_types(database: AsyncDatabase) -> set[int]:
    topology = database.client.topology_description
    return {server.server_type for server in topology.server_descriptions().values()}


async def guard(database: AsyncDatabase, session: Any, *, project: str, name: str) -> None:
    """Write the project's guard document `name`: every transaction that does conflicts
    with every other that does, so they run one after the other."""
    with database_errors():
        await database[GUARDS].update_one(
            {"_id": f"{project}/{name}", "project": project},
            {"$inc": {"writes": 1}},
            upsert=True,
            session=session,
        )
